/* stream_copy: the memory bandwidth a decode step can hope for, measured as
 * llama.cpp's and loom's decode read it: T threads each copying its share of a
 * buffer far larger than the last-level cache. Prints GB/s (bytes read +
 * written per second), the best of several passes. Used by run_llama_bench.sh. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct Share {
  char* dst;
  const char* src;
  size_t bytes;
};

static void* copy_share(void* arg) {
  struct Share* share = arg;
  memcpy(share->dst, share->src, share->bytes);
  return NULL;
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char** argv) {
  const int threads = argc > 1 ? atoi(argv[1]) : 2;
  const size_t mib = argc > 2 ? (size_t)atol(argv[2]) : 512;
  const size_t bytes = mib << 20;
  if (threads < 1 || threads > 64) return 2;
  char* src = malloc(bytes);
  char* dst = malloc(bytes);
  if (!src || !dst) return 1;
  memset(src, 1, bytes);
  memset(dst, 2, bytes);
  double best = 0.0;
  for (int pass = 0; pass < 5; ++pass) {
    pthread_t ids[64];
    struct Share shares[64];
    const double start = now_seconds();
    for (int t = 0; t < threads; ++t) {
      const size_t begin = bytes / threads * t, end = t + 1 == threads ? bytes : bytes / threads * (t + 1);
      shares[t] = (struct Share){dst + begin, src + begin, end - begin};
      pthread_create(&ids[t], NULL, copy_share, &shares[t]);
    }
    for (int t = 0; t < threads; ++t) pthread_join(ids[t], NULL);
    const double gbs = 2.0 * bytes / (now_seconds() - start) / 1e9;
    if (gbs > best) best = gbs;
  }
  printf("%.2f\n", best);
  free(src);
  free(dst);
  return 0;
}
