// Decoder building blocks (see transformer_blocks.h).
#include "model/transformer_blocks.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/attention_tile.h"
#include "kernels/kernels.h"

namespace loom::model {

double sum_of_squares(const float* x, int64_t n) {
  using Pair = double __attribute__((vector_size(16)));  // the baseline instruction set has these
  constexpr int64_t kPairs = 4, kStep = 2 * kPairs;
  Pair sums[kPairs] = {};
  int64_t i = 0;
  for (; i + kStep <= n; i += kStep) {
    for (int64_t p = 0; p < kPairs; ++p) {
      const float a = x[i + 2 * p], b = x[i + 2 * p + 1];
      sums[p] += Pair{static_cast<double>(a * a), static_cast<double>(b * b)};
    }
  }
  double total = 0.0;
  for (const Pair& pair : sums) total += pair[0] + pair[1];
  for (; i < n; ++i) total += static_cast<double>(x[i] * x[i]);
  return total;
}

void rms_norm(const float* x, const float* weight, int64_t n_rows, int64_t width, double eps, float* out) {
  for (int64_t row = 0; row < n_rows; ++row) {
    const float* in = x + row * width;
    float* dst = out + row * width;
    const double sum = sum_of_squares(in, width);
    const float mean = static_cast<float>(sum / width);
    const float scale = 1.0f / std::sqrt(mean + static_cast<float>(eps));
    for (int64_t i = 0; i < width; ++i) dst[i] = in[i] * scale * weight[i];
  }
}

void compute_rope_angles(std::span<const int64_t> positions, const RopeParams& params, RopeAngles& angles) {
  const int64_t pairs = params.rope_dims / 2;
  const size_t size = positions.size() * static_cast<size_t>(pairs);
  angles.cos.resize(size);
  angles.sin.resize(size);
  // Angles are built by repeated multiplication, as llama.cpp's rope cache does,
  // so they agree bit for bit rather than through powf per dimension.
  const float theta_scale = std::pow(static_cast<float>(params.theta), -2.0f / static_cast<float>(params.rope_dims));
  for (size_t token = 0; token < positions.size(); ++token) {
    float theta = static_cast<float>(positions[token]);
    for (int64_t pair = 0; pair < pairs; ++pair) {
      const float factor = params.freq_factors ? params.freq_factors[pair] : 1.0f;
      const float angle = static_cast<float>(params.freq_scale) * (theta / factor);
      angles.cos[token * pairs + pair] = std::cos(angle);
      angles.sin[token * pairs + pair] = std::sin(angle);
      theta *= theta_scale;
    }
  }
}

void apply_rope(float* x, int64_t n_tokens, int64_t n_heads, const RopeAngles& angles, const RopeParams& params) {
  const int64_t pairs = params.rope_dims / 2;
  CHECK(static_cast<int64_t>(angles.cos.size()) >= n_tokens * pairs);
  const bool adjacent = params.style == RopeStyle::kAdjacentPairs;
  for (int64_t token = 0; token < n_tokens; ++token) {
    const float* cos = angles.cos.data() + token * pairs;
    const float* sin = angles.sin.data() + token * pairs;
    for (int64_t head = 0; head < n_heads; ++head) {
      float* v = x + (token * n_heads + head) * params.head_dim;
      for (int64_t pair = 0; pair < pairs; ++pair) {
        const int64_t a = adjacent ? 2 * pair : pair;
        const int64_t b = adjacent ? 2 * pair + 1 : pair + pairs;
        const float x0 = v[a];
        const float x1 = v[b];
        v[a] = x0 * cos[pair] - x1 * sin[pair];
        v[b] = x0 * sin[pair] + x1 * cos[pair];
      }
    }
  }
}

void apply_rope(float* x, int64_t n_tokens, int64_t n_heads, std::span<const int64_t> positions,
                const RopeParams& params) {
  RopeAngles angles;
  compute_rope_angles(positions.first(static_cast<size_t>(n_tokens)), params, angles);
  apply_rope(x, n_tokens, n_heads, angles, params);
}

namespace {

enum class KvSide { kKeys, kValues };

// Head 0's rows of the block that starts at block_start.
const std::byte* block_rows(const KvCache& cache, int64_t layer, KvSide side, int64_t block_start) {
  return static_cast<const std::byte*>(side == KvSide::kKeys ? cache.keys_at(layer, block_start)
                                                             : cache.values_at(layer, block_start));
}

// Visits the cache's rows 0..last of one side a block at a time (head 0's rows;
// see KvCache for the strides): visit(first_pos, rows, next, count), where
// next is the rows of the block visited after this one (for the last block:
// `after`, the rows the caller goes on to), for the kernels to prefetch.
template <typename Visit>
void for_each_block(const KvCache& cache, int64_t layer, KvSide side, int64_t last, const std::byte* after,
                    Visit&& visit) {
  const int64_t block_size = cache.block_size();
  const std::byte* rows = block_rows(cache, layer, side, 0);
  for (int64_t block_start = 0; block_start <= last; block_start += block_size) {
    const int64_t next_start = block_start + block_size;
    const std::byte* next = next_start <= last ? block_rows(cache, layer, side, next_start) : after;
    visit(block_start, rows, next, std::min(last + 1, block_start + block_size) - block_start);
    rows = next;
  }
}

// Calls visit(pos, row) for positions 0..last in order with head 0's row,
// looking up the block table once per block.
template <typename Visit>
void for_each_row(const KvCache& cache, int64_t layer, KvSide side, int64_t last, Visit&& visit) {
  const int64_t block_size = cache.block_size();
  const size_t row_bytes = cache.position_stride() * cache.element_bytes();
  for (int64_t block_start = 0; block_start <= last; block_start += block_size) {
    const std::byte* row = block_rows(cache, layer, side, block_start);
    const int64_t block_end = std::min(last + 1, block_start + block_size);
    for (int64_t pos = block_start; pos < block_end; ++pos, row += row_bytes) visit(pos, row);
  }
}

// The largest of x[0..n), through running maxima in GNU vectors of 4 floats
// (which the baseline instruction set has), four of them to keep the maxima
// independent; a maximum is exact, so the order does not matter.
float max_of(const float* x, int64_t n) {
  using Quad = float __attribute__((vector_size(16)));
  constexpr int64_t kQuads = 4, kStep = 4 * kQuads;
  const float lowest = -std::numeric_limits<float>::infinity();
  Quad maxima[kQuads];
  for (Quad& m : maxima) m = Quad{lowest, lowest, lowest, lowest};
  int64_t i = 0;
  for (; i + kStep <= n; i += kStep) {
    for (int64_t q = 0; q < kQuads; ++q) {
      Quad v;
      std::memcpy(&v, x + i + 4 * q, sizeof(v));
      maxima[q] = v > maxima[q] ? v : maxima[q];
    }
  }
  float result = lowest;
  for (const Quad& m : maxima) result = std::max({result, m[0], m[1], m[2], m[3]});
  for (; i < n; ++i) result = std::max(result, x[i]);
  return result;
}

// Whether attention() runs a batch of queries through the kernel table's
// attention tiles: a prompt (several tokens) over an F16 cache.
bool uses_tiles(const KvCache& cache, int64_t n_tokens, const AttentionShape& shape) {
  const int64_t group = shape.n_heads / shape.n_kv_heads;
  return n_tokens > 1 && cache.type() == tensor::DType::kF16 && kernels::kernels().attention_tile != nullptr &&
         group <= kernels::kAttentionTileRows;
}

// Prefill attention in tiles of tokens x query heads of one KV group: one job
// per (tile, KV head), each position's key and value rows converted once per
// tile. Tiles of later tokens see more positions; a thread that is done with
// its range of jobs takes the rest from the back of the others' (ThreadPool),
// so the threads stay balanced.
void attend_in_tiles(ThreadPool& pool, const float* q, int64_t n_tokens, int64_t start_pos, const KvCache& cache,
                     int64_t layer, const AttentionShape& shape, float* out, std::span<float> scratch) {
  const int64_t group = shape.n_heads / shape.n_kv_heads;
  const int64_t q_width = shape.n_heads * shape.head_dim;
  const int64_t context = start_pos + n_tokens;
  const int64_t block_size = cache.block_size();
  std::vector<const uint16_t*> key_blocks, value_blocks;
  for (int64_t pos = 0; pos < context; pos += block_size) {
    key_blocks.push_back(static_cast<const uint16_t*>(cache.keys_at(layer, pos)));
    value_blocks.push_back(static_cast<const uint16_t*>(cache.values_at(layer, pos)));
  }
  const int64_t tile_tokens = kernels::kAttentionTileRows / group;
  const int64_t tiles = (n_tokens + tile_tokens - 1) / tile_tokens;
  const size_t per_thread = scratch.size() / static_cast<size_t>(pool.size());
  CHECK(per_thread >= kernels::attention_tile_scratch_floats(shape.head_dim, context));
  const kernels::KernelTable& k = kernels::kernels();
  pool.parallel_for(tiles * shape.n_kv_heads, [&](int64_t begin, int64_t end, int thread) {
    kernels::AttentionTile tile{.head_dim = shape.head_dim,
                                .key_blocks = key_blocks.data(),
                                .value_blocks = value_blocks.data(),
                                .block_size = block_size,
                                .row_stride = cache.position_stride(),
                                .scale = 1.0f / std::sqrt(static_cast<float>(shape.head_dim)),
                                .scratch = scratch.data() + static_cast<size_t>(thread) * per_thread};
    for (int64_t job = begin; job < end; ++job) {
      const int64_t first_token = job / shape.n_kv_heads * tile_tokens;
      const int64_t kv_head = job % shape.n_kv_heads;
      tile.head_offset = static_cast<int64_t>(kv_head * cache.head_stride());
      tile.rows = 0;
      for (int64_t token = first_token; token < std::min(n_tokens, first_token + tile_tokens); ++token) {
        for (int64_t member = 0; member < group; ++member) {
          const int64_t offset = token * q_width + (kv_head * group + member) * shape.head_dim;
          tile.q[tile.rows] = q + offset;
          tile.out[tile.rows] = out + offset;
          tile.last[tile.rows] = start_pos + token;
          ++tile.rows;
        }
      }
      k.attention_tile(tile);
    }
  });
}

}  // namespace

int64_t attention_scratch_floats(int64_t threads, int64_t context, const AttentionShape& shape) {
  const int64_t group = shape.n_heads / shape.n_kv_heads;
  const int64_t per_thread = std::max<int64_t>(
      group * context, static_cast<int64_t>(kernels::attention_tile_scratch_floats(shape.head_dim, context)));
  return threads * per_thread;
}

void attention(ThreadPool& pool, std::span<const AttentionQueries> sequences, int64_t layer,
               const AttentionShape& shape, std::span<float> scores_scratch) {
  // Prompts go through tiles, one job per prompt; everything else (decode
  // steps of every sequence) shares one job below.
  int64_t row_jobs = 0, longest = 0;
  for (const AttentionQueries& s : sequences) {
    if (uses_tiles(*s.cache, s.n_tokens, shape)) {
      attend_in_tiles(pool, s.q, s.n_tokens, s.start_pos, *s.cache, layer, shape, s.out, scores_scratch);
    } else {
      row_jobs += s.n_tokens * shape.n_kv_heads;
      longest = std::max(longest, s.start_pos + s.n_tokens);
    }
  }
  if (row_jobs == 0) return;
  const kernels::KernelTable& k = kernels::kernels();
  const int64_t group = shape.n_heads / shape.n_kv_heads;
  const int64_t q_width = shape.n_heads * shape.head_dim;
  const float scale = 1.0f / std::sqrt(static_cast<float>(shape.head_dim));
  // One job per (sequence, token, kv head): each key and value row is read
  // from memory once for the query heads that share it, as many of the group
  // at a time as the thread's slice of the scores scratch holds (group *
  // context floats makes it one pass). Per query head the arithmetic is the
  // plain softmax(q.K * scale) . V in position order, whatever the grouping.
  const int64_t per_thread = static_cast<int64_t>(scores_scratch.size()) / pool.size();
  CHECK(per_thread >= longest);
  const auto attend = [&](const AttentionQueries& s, int64_t token, int64_t kv_head, float* scores) {
    const KvCache& cache = *s.cache;
    const bool half = cache.type() == tensor::DType::kF16;
    const size_t head_bytes = cache.head_stride() * cache.element_bytes();
    const size_t row_elements = cache.position_stride();  // stride of the batched F16 kernels
    const int64_t context = s.start_pos + s.n_tokens;
    const int64_t heads_per_pass = std::min(group, per_thread / context);
    const int64_t last = s.start_pos + token;  // causal: attend to positions 0..last
    for (int64_t first = 0; first < group; first += heads_per_pass) {
      const int64_t members = std::min(heads_per_pass, group - first);
      const int64_t head = kv_head * group + first;  // the pass covers query heads head..head+members-1
      const float* query = s.q + token * q_width + head * shape.head_dim;
      float* dst = s.out + token * q_width + head * shape.head_dim;
      // The kernels prefetch the next block's rows of this KV head, and after
      // the last key block the first value block.
      const auto head_rows = [&](const std::byte* rows) {
        return rows == nullptr ? nullptr : reinterpret_cast<const uint16_t*>(rows + kv_head * head_bytes);
      };
      if (half && k.dot_f32_f16_rows != nullptr) {
        for_each_block(cache, layer, KvSide::kKeys, last, block_rows(cache, layer, KvSide::kValues, 0),
                       [&](int64_t first_pos, const std::byte* rows, const std::byte* next, int64_t count) {
          k.dot_f32_f16_rows(shape.head_dim, query, members, head_rows(rows), head_rows(next), row_elements, count,
                             scale, scores + first_pos, static_cast<size_t>(context));
        });
      } else {
        for_each_row(cache, layer, KvSide::kKeys, last, [&](int64_t pos, const std::byte* row) {
          const void* key = row + kv_head * head_bytes;
          for (int64_t member = 0; member < members; ++member) {
            const float* head_query = query + member * shape.head_dim;
            const float dot = half ? k.dot_f32_f16(shape.head_dim, head_query, static_cast<const uint16_t*>(key))
                                   : k.dot_f32(shape.head_dim, head_query, static_cast<const float*>(key));
            scores[member * context + pos] = dot * scale;
          }
        });
      }
      for (int64_t member = 0; member < members; ++member) {
        float* head_scores = scores + member * context;
        const double sum = k.exp_shifted(head_scores, last + 1, max_of(head_scores, last + 1));
        const float inverse = static_cast<float>(1.0 / sum);
        for (int64_t pos = 0; pos <= last; ++pos) head_scores[pos] *= inverse;  // the softmax weights
      }
      std::fill(dst, dst + members * shape.head_dim, 0.0f);
      if (half && k.axpy_f16_rows != nullptr) {
        for_each_block(cache, layer, KvSide::kValues, last, nullptr,
                       [&](int64_t first_pos, const std::byte* rows, const std::byte* next, int64_t count) {
          k.axpy_f16_rows(shape.head_dim, scores + first_pos, static_cast<size_t>(context), members, head_rows(rows),
                          head_rows(next), row_elements, count, dst);
        });
        continue;
      }
      for_each_row(cache, layer, KvSide::kValues, last, [&](int64_t pos, const std::byte* row) {
        const void* value = row + kv_head * head_bytes;
        for (int64_t member = 0; member < members; ++member) {
          float* head_dst = dst + member * shape.head_dim;
          const float weight = scores[member * context + pos];
          if (half) {
            k.axpy_f16(shape.head_dim, weight, static_cast<const uint16_t*>(value), head_dst);
          } else {
            k.axpy_f32(shape.head_dim, weight, static_cast<const float*>(value), head_dst);
          }
        }
      });
    }
  };
  pool.parallel_for(row_jobs, [&](int64_t begin, int64_t end, int thread) {
    float* scores = scores_scratch.data() + static_cast<size_t>(thread) * per_thread;
    // Walk to the sequence that holds job `begin`, then onwards.
    size_t index = 0;
    int64_t base = 0;  // the first job of sequences[index]
    const auto jobs_of = [&](const AttentionQueries& s) {
      return uses_tiles(*s.cache, s.n_tokens, shape) ? 0 : s.n_tokens * shape.n_kv_heads;
    };
    for (int64_t job = begin; job < end; ++job) {
      while (job >= base + jobs_of(sequences[index])) base += jobs_of(sequences[index++]);
      const int64_t local = job - base;
      attend(sequences[index], local / shape.n_kv_heads, local % shape.n_kv_heads, scores);
    }
  });
}

void attention(ThreadPool& pool, const float* q, int64_t n_tokens, int64_t start_pos, const KvCache& cache,
               int64_t layer, const AttentionShape& shape, float* out, std::span<float> scores_scratch) {
  const AttentionQueries one{.q = q, .n_tokens = n_tokens, .start_pos = start_pos, .cache = &cache, .out = out};
  attention(pool, {&one, 1}, layer, shape, scores_scratch);
}

void silu_mul(float* gate, const float* up, int64_t n) { kernels::kernels().silu_mul(gate, up, n); }

void add_in_place(float* x, const float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] += y[i];
}

}  // namespace loom::model
