// CompletionBackend: where generated tokens come from. The server renders and
// tokenizes the prompt, then asks a backend for tokens one at a time; the
// replay backend reads them from a script, the model backend samples them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string_view>
#include <string>
#include <vector>

#include "base/status.h"
#include "runtime/generator.h"
#include "server/request.h"

namespace loom::server {

enum class FinishReason { kStop, kLength, kToolCalls, kCancelled };

struct BackendRequest {
  std::vector<int32_t> prompt_ids;
  int64_t max_tokens = 0;  // > 0: the most tokens to generate
  SamplingParams sampling;
  // Tools the output may call and whether a call is required, for backends
  // that constrain decoding with a grammar.
  std::vector<chat::ToolDefinition> tools;
  chat::ToolChoice tool_choice;
  bool parallel_tool_calls = true;
  ResponseFormat response_format = ResponseFormat::kText;
  nlohmann::json json_schema;
  // Forces tokens instead of sampling them (reasoning budget forcing); null:
  // none. Owned by the caller; used by one generation only.
  runtime::TokenPolicy* policy = nullptr;
};

struct BackendResult {
  FinishReason finish = FinishReason::kStop;
  int64_t cached_prompt_tokens = 0;  // prompt tokens reused from a cache
};

// Called once per generated token with the text it releases (UTF-8 complete;
// may be empty), whether it was forced, and its log-probabilities when asked
// for. A final call with token -1 may carry text held back until the end.
// Returning false stops generation.
using TokenCallback = std::function<bool(const runtime::TokenEvent& event)>;

class CompletionBackend {
 public:
  virtual ~CompletionBackend() = default;
  // Generates until an end-of-generation token (not passed to on_token), the
  // token limit, on_token returning false, or `cancelled` becoming true.
  // Thread-safe: HTTP threads call it concurrently.
  virtual Result<BackendResult> generate(const BackendRequest& request, const TokenCallback& on_token,
                                         const std::atomic<bool>& cancelled) = 0;
  virtual int64_t context_length() const = 0;
  // Backend-specific metrics for GET /metrics, in Prometheus text format
  // (the batching engine's gauges); empty when there are none.
  virtual std::string metrics_text() const { return {}; }
};

}  // namespace loom::server
