// Every backward pass of the trainer against central finite differences of
// its forward pass: the layers one by one (RMSNorm, SwiGLU, RoPE, linear,
// attention, cross-entropy), then the whole model, every parameter tensor.
// Losses are L = sum(r * out) for a fixed random r, summed in double.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "train/attention.h"
#include "train/layers.h"
#include "train/linear.h"
#include "train/transformer.h"
#include "train_test_support.h"

namespace loom::train {
namespace {

using testing::random_values;

double weighted_sum(const std::vector<float>& out, const std::vector<float>& weights) {
  double sum = 0.0;
  for (size_t i = 0; i < out.size(); ++i) sum += static_cast<double>(out[i]) * weights[i];
  return sum;
}

// Checks analytic[i] against (loss(x_i + h) - loss(x_i - h)) / 2h for each
// index (all of x when indices is empty). Tolerance: relative to the largest
// analytic value, since float rounding in the loss is shared by every index.
void expect_gradient(std::vector<float>& x, const std::vector<float>& analytic, const std::function<double()>& loss,
                     const char* what, float h = 1e-2f, double tolerance = 2e-3, std::vector<int64_t> indices = {}) {
  ASSERT_EQ(x.size(), analytic.size());
  if (indices.empty()) {
    for (size_t i = 0; i < x.size(); ++i) indices.push_back(static_cast<int64_t>(i));
  }
  double scale = 0.0;
  for (int64_t i : indices) scale = std::max(scale, std::abs(static_cast<double>(analytic[i])));
  ASSERT_GT(scale, 0.0) << what << ": every gradient is zero";
  for (int64_t i : indices) {
    const float saved = x[i];
    x[i] = saved + h;
    const double up = loss();
    x[i] = saved - h;
    const double down = loss();
    x[i] = saved;
    const double numeric = (up - down) / (2.0 * h);
    EXPECT_NEAR(analytic[i], numeric, tolerance * scale) << what << "[" << i << "]";
  }
}

TEST(GradientCheck, RmsNorm) {
  ThreadPool pool(2);
  const int64_t rows = 3, width = 16;
  std::vector<float> x = random_values(rows * width, 1.0f, 1), weight = random_values(width, 0.5f, 2);
  for (float& w : weight) w += 1.0f;
  const std::vector<float> r = random_values(rows * width, 1.0f, 3);
  std::vector<float> out(rows * width), inv_rms(rows);
  auto loss = [&] {
    rms_norm_forward(pool, x.data(), weight.data(), rows, width, 1e-5, out.data(), inv_rms.data());
    return weighted_sum(out, r);
  };
  loss();
  std::vector<float> dx(rows * width, 0.0f), dweight(width, 0.0f);
  rms_norm_backward(pool, x.data(), weight.data(), inv_rms.data(), r.data(), rows, width, dx.data(), dweight.data());
  expect_gradient(x, dx, loss, "rms_norm dx");
  expect_gradient(weight, dweight, loss, "rms_norm dweight");
}

TEST(GradientCheck, SwiGlu) {
  ThreadPool pool(2);
  const int64_t n = 600;  // more than one piece of the element-wise split
  std::vector<float> gate = random_values(n, 2.0f, 4), up = random_values(n, 1.0f, 5);
  const std::vector<float> r = random_values(n, 1.0f, 6);
  std::vector<float> out(n);
  auto loss = [&] {
    swiglu_forward(pool, gate.data(), up.data(), n, out.data());
    return weighted_sum(out, r);
  };
  std::vector<float> d_gate(n), d_up(n);
  swiglu_backward(pool, gate.data(), up.data(), r.data(), n, d_gate.data(), d_up.data());
  expect_gradient(gate, d_gate, loss, "swiglu d_gate");
  expect_gradient(up, d_up, loss, "swiglu d_up");
}

TEST(GradientCheck, RopeBackwardIsTheTranspose) {
  // The backward of x -> R x is r -> R^T r: <R x, r> = <x, R^T r> for all x, r.
  ThreadPool pool(2);
  const int64_t tokens = 9, heads = 3, head_dim = 8;
  const model::RopeParams params{.style = model::RopeStyle::kAdjacentPairs, .head_dim = head_dim,
                                 .rope_dims = head_dim, .theta = 10000.0, .freq_scale = 1.0, .freq_factors = nullptr};
  std::vector<int64_t> positions(tokens), negated(tokens);
  for (int64_t t = 0; t < tokens; ++t) positions[t] = 3 * t + 1, negated[t] = -positions[t];
  std::vector<float> x = random_values(tokens * heads * head_dim, 1.0f, 7);
  std::vector<float> r = random_values(tokens * heads * head_dim, 1.0f, 8);
  std::vector<float> rotated = x, back = r;
  rope(pool, rotated.data(), tokens, heads, positions, params);
  rope(pool, back.data(), tokens, heads, negated, params);
  EXPECT_NEAR(weighted_sum(rotated, r), weighted_sum(x, back), 1e-4);
  EXPECT_GT(std::abs(weighted_sum(rotated, r) - weighted_sum(x, r)), 1e-2) << "positions must rotate";
}

TEST(GradientCheck, Linear) {
  ThreadPool pool(2);
  const int64_t n = 21, out = 13, in = 19;
  std::vector<float> x = random_values(n * in, 1.0f, 9), w = random_values(out * in, 1.0f, 10);
  const std::vector<float> r = random_values(n * out, 1.0f, 11);
  std::vector<float> y(n * out), scratch;
  auto loss = [&] {
    linear_forward(pool, x.data(), n, w.data(), out, in, y.data(), scratch);
    return weighted_sum(y, r);
  };
  std::vector<float> dx(n * in, 5.0f), dw(out * in, 0.0f);
  linear_backward_input(pool, r.data(), n, w.data(), out, in, dx.data(), Accumulate::kNo);
  linear_backward_weight(pool, r.data(), x.data(), n, out, in, dw.data());
  expect_gradient(x, dx, loss, "linear dx");
  expect_gradient(w, dw, loss, "linear dw");
}

TEST(GradientCheck, CausalGroupedQueryAttention) {
  ThreadPool pool(2);
  const AttentionDims dims{.n_heads = 4, .n_kv_heads = 2, .head_dim = 4};
  const std::vector<SequenceSpan> sequences = {{0, 6}, {6, 3}, {9, 1}};
  const int64_t n = 10;
  std::vector<float> q = random_values(n * dims.q_size(), 1.0f, 12), k = random_values(n * dims.kv_size(), 1.0f, 13),
                     v = random_values(n * dims.kv_size(), 1.0f, 14);
  const std::vector<float> r = random_values(n * dims.q_size(), 1.0f, 15);
  Attention attention;
  std::vector<float> out(n * dims.q_size());
  auto loss = [&] {
    attention.forward(pool, sequences, dims, q.data(), k.data(), v.data(), out.data());
    return weighted_sum(out, r);
  };
  std::vector<float> dq(q.size()), dk(k.size()), dv(v.size());
  attention.backward(pool, sequences, dims, q.data(), k.data(), v.data(), r.data(), dq.data(), dk.data(), dv.data());
  expect_gradient(q, dq, loss, "attention dq");
  expect_gradient(k, dk, loss, "attention dk");
  expect_gradient(v, dv, loss, "attention dv");
}

TEST(GradientCheck, CrossEntropy) {
  ThreadPool pool(2);
  const int64_t rows = 3, vocab = 11;
  std::vector<float> logits = random_values(rows * vocab, 3.0f, 16);
  const std::vector<int32_t> targets = {4, 0, 10};
  const float scale = 1.0f / rows;
  std::vector<float> work, losses(rows);
  auto loss = [&] {
    work = logits;
    cross_entropy(pool, work.data(), targets.data(), rows, vocab, scale, losses.data());
    double sum = 0.0;
    for (float value : losses) sum += value;
    return sum * scale;
  };
  loss();
  const std::vector<float> gradient = work;
  // Each loss is -log softmax(target), computed independently of the gradient.
  for (int64_t row = 0; row < rows; ++row) {
    double total = 0.0;
    for (int64_t i = 0; i < vocab; ++i) total += std::exp(static_cast<double>(logits[row * vocab + i]));
    EXPECT_NEAR(losses[row], std::log(total) - logits[row * vocab + targets[row]], 1e-5);
  }
  expect_gradient(logits, gradient, loss, "cross_entropy dlogits");
}

class ModelGradientCheck : public ::testing::TestWithParam<bool> {};

TEST_P(ModelGradientCheck, EveryParameterTensor) {
  ThreadPool pool(2);
  ModelShape shape = testing::tiny_shape();
  shape.tied_embeddings = GetParam();
  Transformer model(shape, pool);
  std::vector<float> params = testing::random_parameters(shape, 0.3f, 17);
  Batch batch;
  const std::vector<int32_t> first = {1, 5, 9, 2, 33, 17, 8, 8};
  const std::vector<uint8_t> first_mask = {0, 0, 1, 1, 1, 0, 1, 1};
  const std::vector<int32_t> second = {1, 30, 4, 12, 36, 0};
  const std::vector<uint8_t> second_mask = {0, 1, 1, 1, 1, 1};
  batch.add_sequence(first, first_mask);
  batch.add_sequence(second, second_mask);
  ASSERT_EQ(batch.target_count(), 10);
  std::vector<float> grads(params.size());
  const LossSum reference = model.run(batch, params.data(), grads.data());
  ASSERT_EQ(reference.tokens, 10);
  auto loss = [&] { return model.run(batch, params.data(), nullptr).mean(); };
  for (const ParamTensor& tensor : model.layout().tensors()) {
    // Every element of small tensors; a spread of them in large ones.
    std::vector<int64_t> indices;
    const int64_t stride = std::max<int64_t>(1, tensor.size() / 24);
    for (int64_t i = 0; i < tensor.size(); i += stride) indices.push_back(tensor.offset + i);
    expect_gradient(params, grads, loss, tensor.name.c_str(), 1e-2f, 2e-2, indices);
  }
}

INSTANTIATE_TEST_SUITE_P(TiedAndUntied, ModelGradientCheck, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "tied" : "untied"; });

}  // namespace
}  // namespace loom::train
