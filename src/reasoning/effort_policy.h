// Reasoning effort -> mechanism, per model family, in one place: the harmony
// `Reasoning:` level, Qwen3's enable_thinking switch, token budgets enforced by
// budget forcing, or "no effect" for models that cannot reason. Budgets are
// configuration (defaults below, or a JSON file).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "chat/family.h"
#include "chat/harmony_renderer.h"

namespace loom::reasoning {

enum class Effort { kNone, kMinimal, kLow, kMedium, kHigh, kXHigh, kAuto };

std::string_view effort_name(Effort effort);
// "none", "minimal", "low", "medium", "high", "xhigh", "auto"; case-insensitive.
Result<Effort> parse_effort(std::string_view name);

// Token budgets per effort, and how a budget is closed.
struct ReasoningConfig {
  // Always-thinking models cannot switch reasoning off: none/minimal get these.
  int32_t none_budget = 0;
  int32_t minimal_budget = 128;
  int32_t low_budget = 512;
  int32_t medium_budget = 2048;
  int32_t high_budget = 8192;
  int32_t xhigh_budget = 32768;
  // Written before the closing sequence when a budget runs out (Qwen's wording).
  std::string budget_sentence =
      "Considering the limited time by the user, I have to give the solution based on the thinking directly now.";
  // xhigh (s1 budget forcing): a close sampled before this many reasoning
  // tokens is replaced by "Wait", at most xhigh_max_waits times.
  int32_t xhigh_min_reasoning = 1024;
  int32_t xhigh_max_waits = 2;
  std::string wait_text = "\nWait";

  int32_t budget(Effort effort) const;  // kAuto: CHECK (resolve it first)
};

// Keys as the field names; unknown keys and negative budgets are errors.
Result<ReasoningConfig> parse_reasoning_config(std::string_view json_text);
Result<ReasoningConfig> load_reasoning_config(const std::string& path);

// How a family's models reason.
enum class ReasoningStyle {
  kNone,      // plain, llama3, mistral (as detected): effort has no effect
  kHybrid,    // hermes template with enable_thinking: on/off switch + budgets
  kAlways,    // DeepSeek R1 style, or a <think> template without a switch: budgets only
  kHarmony,   // gpt-oss: Reasoning: level + budgets
};
std::string_view reasoning_style_name(ReasoningStyle style);
ReasoningStyle reasoning_style(chat::Family family, std::string_view chat_template);

// The markers of a family's reasoning block, as text.
struct ReasoningMarkers {
  std::string open;   // "<think>", "<|channel|>analysis<|message|>"
  std::string close;  // what the model writes to end it: "</think>", "<|end|>"
  // What budget forcing writes to end it and start the answer.
  std::string forced_close;
  // What budget forcing writes to open the block when the prompt did not
  // (the model's own first tokens in thinking mode).
  std::string forced_open;
};
std::optional<ReasoningMarkers> reasoning_markers(chat::Family family);

// What one request's effort turns into.
struct EffortPlan {
  Effort requested = Effort::kMedium;
  Effort effective = Effort::kMedium;  // what the mechanism applies (auto resolved)
  ReasoningStyle style = ReasoningStyle::kNone;
  bool has_effect = true;                  // false: the model cannot reason
  std::optional<bool> enable_thinking;     // hybrid: the template variable
  std::optional<chat::HarmonyEffort> harmony_level;
  int32_t budget = -1;                     // reasoning tokens; -1: no budget
  int32_t min_reasoning = 0;               // xhigh: early closes below this become "Wait"
  int32_t max_waits = 0;
  std::string note;                        // one line for logs and `loom run`
};

// `effort` must not be kAuto (the router resolves it to a level first).
EffortPlan plan_effort(Effort effort, ReasoningStyle style, const ReasoningConfig& config);

// The budgets for a style, for `loom info` and the server's model metadata:
// {"reasoning_style": ..., "efforts": {"none": {...}, ...}, "budget_sentence": ...}.
nlohmann::ordered_json effort_metadata(ReasoningStyle style, const ReasoningConfig& config);

}  // namespace loom::reasoning
