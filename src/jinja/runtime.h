// Runtime: the state one render shares with filters, tests and methods — the
// Heap, the step/size budgets that stop hostile templates, and the clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"
#include "jinja/value.h"

namespace loom::jinja {

struct Limits {
  int64_t max_steps = 2'000'000;          // loop iterations + calls + containers built + bulk work
  int max_call_depth = 64;                // nested macro calls
  size_t max_output_bytes = 64u << 20;    // rendered output, and any one string
  int max_nesting = 128;                  // parser: nested blocks and expressions
};

class Runtime {
 public:
  Runtime(const Limits& limits, std::optional<std::chrono::system_clock::time_point> now)
      : limits_(limits), now_(now) {}

  Heap& heap() { return heap_; }
  const Limits& limits() const { return limits_; }

  // Charges `count` steps; resource_exhausted once the budget is spent.
  Status step(int64_t count = 1) {
    steps_ += count;
    if (steps_ > limits_.max_steps) {
      return resource_exhausted("exceeded max_steps (", limits_.max_steps, ")");
    }
    return {};
  }
  Status check_size(size_t bytes) const {
    if (bytes > limits_.max_output_bytes) {
      return resource_exhausted("output exceeded max_output_bytes (", limits_.max_output_bytes, ")");
    }
    return {};
  }
  // Builds a string value after checking its size; charges the copy.
  Result<Value> make_string(std::string text) {
    TRY(check_size(text.size()));
    TRY(step(static_cast<int64_t>(text.size() >> 12)));
    return Value::string(std::move(text));
  }
  Result<Value> make_array(std::vector<Value> items) {
    TRY(step(1 + static_cast<int64_t>(items.size() >> 4)));
    return heap_.new_array(std::move(items));
  }
  Result<Value> make_object(Value::Kind kind = Value::Kind::kObject) {
    TRY(step());
    return heap_.new_object(kind);
  }

  // strftime_now's clock: the injected time (formatted as UTC) or now (local).
  std::optional<std::chrono::system_clock::time_point> fixed_now() const { return now_; }

 private:
  Limits limits_;
  std::optional<std::chrono::system_clock::time_point> now_;
  Heap heap_;
  int64_t steps_ = 0;
};

}  // namespace loom::jinja
