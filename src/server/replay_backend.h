// ReplayBackend: answers each request with the next scripted raw model output,
// tokenized with the real tokenizer, so clients can be tested end to end
// without weights. Script format: docs/api.md ("Replay scripts").
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/backend.h"
#include "text/tokenizer.h"

namespace loom::server {

struct ReplayStep {
  std::string output;          // raw model text, markup included
  // A scripted failure instead of output: the status the backend returns
  // ("[code] message" with a StatusCode), e.g. context_length_exceeded.
  Status error;
  int64_t error_after_tokens = -1;  // >= 0: fail after emitting this many tokens
};

class ReplayBackend : public CompletionBackend {
 public:
  // `tokenizer` must outlive the backend.
  static Result<std::unique_ptr<ReplayBackend>> from_file(const std::string& path, const text::Tokenizer& tokenizer,
                                                          int64_t context_length);
  static Result<std::unique_ptr<ReplayBackend>> from_json(const std::string& json_text, const text::Tokenizer& tokenizer,
                                                          int64_t context_length);

  Result<BackendResult> generate(const BackendRequest& request, const TokenCallback& on_token,
                                 const std::atomic<bool>& cancelled) override;
  int64_t context_length() const override { return context_length_; }
  size_t steps_used() const;

 private:
  ReplayBackend(std::vector<ReplayStep> steps, const text::Tokenizer& tokenizer, int64_t context_length)
      : steps_(std::move(steps)), tokenizer_(tokenizer), context_length_(context_length) {}

  std::vector<ReplayStep> steps_;
  // "token_delay_ms": a pause before each token, so tests and benchmarks see
  // streams that take time, like a model decoding.
  double token_delay_ms_ = 0;
  // "repeat": true starts again at the first step after the last (load tests).
  bool repeat_ = false;
  const text::Tokenizer& tokenizer_;
  int64_t context_length_;
  mutable std::mutex mutex_;
  size_t next_ = 0;
};

}  // namespace loom::server
