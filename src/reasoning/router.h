// The `auto` effort router: request features (the last user turn's length and
// kind, code, stack traces, math, proofs, tools, conversation depth) ->
// an effort level, with the reasons written down. Thresholds are configuration.
// Adaptive escalation after a first answer lives in escalation.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "reasoning/effort_policy.h"

namespace loom::reasoning {

enum class RequestKind { kSmallTalk, kQuestion, kTransform, kCode, kMath, kDebug, kProof };
std::string_view request_kind_name(RequestKind kind);

struct RequestFeatures {
  int32_t last_user_chars = 0;
  int32_t last_user_words = 0;
  RequestKind kind = RequestKind::kQuestion;
  bool has_code = false;         // a code block or code-like lines
  bool mentions_code = false;    // asks for code work (write/fix ... function, script, SQL)
  bool has_stack_trace = false;  // tracebacks, compiler errors, exception names
  bool has_math = false;         // equations, math words, several numbers
  bool asks_proof = false;
  int32_t rigor_words = 0;       // "rigorous", "every lemma", "counterexample"...
  int32_t tool_count = 0;
  int32_t conversation_depth = 0;  // user turns before the last one
  nlohmann::ordered_json to_json() const;
};

// `messages`: OpenAI chat messages (content a string or text parts); `tools`:
// null or an array.
RequestFeatures extract_features(const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools);
// The last user turn alone (tests, the CLI).
RequestFeatures extract_text_features(std::string_view last_user, int32_t tool_count, int32_t conversation_depth);

struct RouterConfig {
  int32_t small_talk_max_words = 12;   // shorter plain questions: minimal
  int32_t xhigh_proof_min_words = 45;  // proofs at least this long (or rigor_words >= 2): xhigh
  int32_t many_tools = 5;              // at least this many tools: high
  int32_t some_tools = 3;              // at least this many: medium
  int32_t deep_conversation = 5;       // code work this deep in a conversation: one level up
  Effort floor = Effort::kMinimal;
  Effort ceiling = Effort::kXHigh;
};

Result<RouterConfig> parse_router_config(std::string_view json_text);

struct RouterDecision {
  Effort effort = Effort::kLow;
  RequestFeatures features;
  std::vector<std::string> reasons;  // why, in the order the rules fired
  std::string to_string() const;    // "auto -> high: stack trace; ..."
  nlohmann::ordered_json to_json() const;
};

RouterDecision route(const RequestFeatures& features, const RouterConfig& config = {});

}  // namespace loom::reasoning
