/* bandwidth_probe: the memory bandwidth a decode step can hope for, with T
 * threads each working on its share of a buffer far larger than the last-level
 * cache. Prints GB/s, the best of several passes. Used by run_llama_bench.sh.
 *
 *   bandwidth_probe copy THREADS MIB   bytes read + written per second by memcpy
 *                                      (the STREAM-copy figure)
 *   bandwidth_probe read THREADS MIB   bytes read per second by summing them
 *
 * Decode only reads (weights and KV cache), and on some hosts a core cannot
 * keep as many reads in flight as a copy's reads and streaming writes add up
 * to: with 2 threads on an AMD EPYC (Zen 3) VM, copy gives 45-57 GB/s while
 * reading gives 30-36. The read figure is the ceiling for decode there. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

/* Four 32-byte lanes per step: wide loads whatever vector width -march gives. */
typedef uint64_t Lanes __attribute__((vector_size(32)));

struct Share {
  char* dst;
  const char* src;
  size_t bytes;
};

/* Where the sums go, so that the reads are not optimized away. */
static volatile uint64_t sink;

static void* copy_share(void* arg) {
  struct Share* share = arg;
  memcpy(share->dst, share->src, share->bytes);
  return NULL;
}

static void* read_share(void* arg) {
  struct Share* share = arg;
  const Lanes* p = (const Lanes*)share->src;
  const size_t n = share->bytes / sizeof(Lanes);
  Lanes s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
  for (size_t i = 0; i + 4 <= n; i += 4) {
    s0 += p[i];
    s1 += p[i + 1];
    s2 += p[i + 2];
    s3 += p[i + 3];
  }
  s0 += s1 + s2 + s3;
  sink += s0[0] + s0[1] + s0[2] + s0[3];
  return NULL;
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char** argv) {
  if (argc != 4 || (strcmp(argv[1], "copy") != 0 && strcmp(argv[1], "read") != 0)) {
    fprintf(stderr, "usage: bandwidth_probe copy|read THREADS MIB\n");
    return 2;
  }
  const int reading = strcmp(argv[1], "read") == 0;
  const int threads = atoi(argv[2]);
  const size_t bytes = (size_t)atol(argv[3]) << 20;
  if (threads < 1 || threads > 64 || bytes == 0) return 2;
  char* src = aligned_alloc(4096, bytes);
  char* dst = reading ? NULL : aligned_alloc(4096, bytes);
  if (!src || (!reading && !dst)) return 1;
  /* Huge pages where the kernel gives them, as loom's weight buffers ask. */
  madvise(src, bytes, MADV_HUGEPAGE);
  if (dst) madvise(dst, bytes, MADV_HUGEPAGE);
  memset(src, 1, bytes);
  if (dst) memset(dst, 2, bytes);
  /* Shares are whole multiples of 4 steps of Lanes (128 bytes). */
  const size_t unit = 4 * sizeof(Lanes);
  double best = 0.0;
  for (int pass = 0; pass < 5; ++pass) {
    pthread_t ids[64];
    struct Share shares[64];
    const double start = now_seconds();
    for (int t = 0; t < threads; ++t) {
      const size_t begin = bytes / unit / threads * t * unit;
      const size_t end = t + 1 == threads ? bytes : bytes / unit / threads * (t + 1) * unit;
      shares[t] = (struct Share){reading ? NULL : dst + begin, src + begin, end - begin};
      pthread_create(&ids[t], NULL, reading ? read_share : copy_share, &shares[t]);
    }
    for (int t = 0; t < threads; ++t) pthread_join(ids[t], NULL);
    const double gbs = (reading ? 1.0 : 2.0) * bytes / (now_seconds() - start) / 1e9;
    if (gbs > best) best = gbs;
  }
  printf("%.2f\n", best);
  free(src);
  free(dst);
  return 0;
}
