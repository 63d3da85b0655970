// Effort levels, budgets and the per-family mechanism (see effort_policy.h).
#include "reasoning/effort_policy.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace loom::reasoning {
namespace {

constexpr Effort kLevels[] = {Effort::kNone, Effort::kMinimal, Effort::kLow,
                              Effort::kMedium, Effort::kHigh, Effort::kXHigh};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

std::string_view effort_name(Effort effort) {
  switch (effort) {
    case Effort::kNone: return "none";
    case Effort::kMinimal: return "minimal";
    case Effort::kLow: return "low";
    case Effort::kMedium: return "medium";
    case Effort::kHigh: return "high";
    case Effort::kXHigh: return "xhigh";
    case Effort::kAuto: return "auto";
  }
  return "unknown";
}

Result<Effort> parse_effort(std::string_view name) {
  const std::string wanted = lower(name);
  for (Effort effort : kLevels) {
    if (wanted == effort_name(effort)) return effort;
  }
  if (wanted == "auto") return Effort::kAuto;
  return invalid_argument("unknown reasoning effort '", name,
                          "' (expected none, minimal, low, medium, high, xhigh or auto)");
}

int32_t ReasoningConfig::budget(Effort effort) const {
  switch (effort) {
    case Effort::kNone: return none_budget;
    case Effort::kMinimal: return minimal_budget;
    case Effort::kLow: return low_budget;
    case Effort::kMedium: return medium_budget;
    case Effort::kHigh: return high_budget;
    case Effort::kXHigh: return xhigh_budget;
    case Effort::kAuto: break;
  }
  CHECK(false && "resolve auto before asking for a budget");
  return -1;
}

Result<ReasoningConfig> parse_reasoning_config(std::string_view json_text) {
  const auto json = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return invalid_argument("reasoning config: not a JSON object");
  ReasoningConfig config;
  const std::pair<const char*, int32_t*> integers[] = {
      {"none_budget", &config.none_budget},     {"minimal_budget", &config.minimal_budget},
      {"low_budget", &config.low_budget},       {"medium_budget", &config.medium_budget},
      {"high_budget", &config.high_budget},     {"xhigh_budget", &config.xhigh_budget},
      {"xhigh_min_reasoning", &config.xhigh_min_reasoning}, {"xhigh_max_waits", &config.xhigh_max_waits}};
  const std::pair<const char*, std::string*> strings[] = {{"budget_sentence", &config.budget_sentence},
                                                          {"wait_text", &config.wait_text}};
  for (const auto& [key, value] : json.items()) {
    bool known = false;
    for (const auto& [name, field] : integers) {
      if (key != name) continue;
      known = true;
      if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > (1 << 30)) {
        return invalid_argument("reasoning config: ", key, " must be a non-negative integer");
      }
      *field = value.get<int32_t>();
    }
    for (const auto& [name, field] : strings) {
      if (key != name) continue;
      known = true;
      if (!value.is_string()) return invalid_argument("reasoning config: ", key, " must be a string");
      *field = value.get<std::string>();
    }
    if (!known) return invalid_argument("reasoning config: unknown key '", key, "'");
  }
  return config;
}

Result<ReasoningConfig> load_reasoning_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot open reasoning config ", path);
  std::stringstream text;
  text << in.rdbuf();
  auto config = parse_reasoning_config(text.str());
  if (!config.ok()) return config.status().with_context(path);
  return config;
}

std::string_view reasoning_style_name(ReasoningStyle style) {
  switch (style) {
    case ReasoningStyle::kNone: return "none";
    case ReasoningStyle::kHybrid: return "hybrid";
    case ReasoningStyle::kAlways: return "always";
    case ReasoningStyle::kHarmony: return "harmony";
  }
  return "unknown";
}

ReasoningStyle reasoning_style(chat::Family family, std::string_view chat_template) {
  switch (family) {
    case chat::Family::kHarmony: return ReasoningStyle::kHarmony;
    case chat::Family::kDeepSeek: return ReasoningStyle::kAlways;
    case chat::Family::kHermes:
      if (chat_template.find("enable_thinking") != std::string_view::npos) return ReasoningStyle::kHybrid;
      // QwQ-style templates open <think> themselves; Hermes 2 Pro never thinks.
      return chat_template.find("<think>") != std::string_view::npos ? ReasoningStyle::kAlways
                                                                      : ReasoningStyle::kNone;
    case chat::Family::kPlain:
    case chat::Family::kLlama3:
    case chat::Family::kMistral: return ReasoningStyle::kNone;
  }
  return ReasoningStyle::kNone;
}

std::optional<ReasoningMarkers> reasoning_markers(chat::Family family) {
  switch (family) {
    case chat::Family::kHermes:
    case chat::Family::kDeepSeek: return ReasoningMarkers{"<think>", "</think>", "\n</think>\n\n", "<think>\n"};
    case chat::Family::kHarmony:
      return ReasoningMarkers{"<|channel|>analysis<|message|>", "<|end|>",
                              "<|end|><|start|>assistant<|channel|>final<|message|>",
                              "<|channel|>analysis<|message|>"};
    default: return std::nullopt;
  }
}

EffortPlan plan_effort(Effort effort, ReasoningStyle style, const ReasoningConfig& config) {
  CHECK(effort != Effort::kAuto);
  EffortPlan plan{.requested = effort, .effective = effort, .style = style};
  const bool xhigh = effort == Effort::kXHigh;
  const bool off = effort == Effort::kNone || effort == Effort::kMinimal;
  switch (style) {
    case ReasoningStyle::kNone:
      plan.has_effect = false;
      plan.note = "this model cannot reason: effort has no effect";
      return plan;
    case ReasoningStyle::kHybrid:
      plan.enable_thinking = !off;
      if (off) {
        plan.note = "thinking off (enable_thinking=false)";
        return plan;
      }
      plan.budget = config.budget(effort);
      plan.note = str_cat("thinking on (enable_thinking=true), budget ", plan.budget, " tokens");
      break;
    case ReasoningStyle::kAlways:
      plan.budget = config.budget(effort);
      plan.note = str_cat("always-thinking model: budget ", plan.budget, " tokens");
      break;
    case ReasoningStyle::kHarmony:
      plan.harmony_level = off || effort == Effort::kLow ? chat::HarmonyEffort::kLow
                           : effort == Effort::kMedium   ? chat::HarmonyEffort::kMedium
                                                         : chat::HarmonyEffort::kHigh;
      plan.budget = config.budget(effort);
      plan.note = str_cat("Reasoning: ", off || effort == Effort::kLow ? "low" : effort == Effort::kMedium ? "medium" : "high",
                          ", budget ", plan.budget, " tokens");
      break;
  }
  if (xhigh && config.xhigh_max_waits > 0) {
    plan.min_reasoning = std::min(config.xhigh_min_reasoning, plan.budget);
    plan.max_waits = config.xhigh_max_waits;
  }
  return plan;
}

nlohmann::ordered_json effort_metadata(ReasoningStyle style, const ReasoningConfig& config) {
  nlohmann::ordered_json out;
  out["reasoning_style"] = std::string(reasoning_style_name(style));
  nlohmann::ordered_json efforts = nlohmann::ordered_json::object();
  for (Effort effort : kLevels) {
    const EffortPlan plan = plan_effort(effort, style, config);
    nlohmann::ordered_json entry;
    entry["has_effect"] = plan.has_effect;
    entry["thinking"] = plan.has_effect && plan.enable_thinking.value_or(true);
    if (plan.budget >= 0) entry["budget_tokens"] = plan.budget;
    if (plan.harmony_level) {
      entry["harmony_reasoning"] = *plan.harmony_level == chat::HarmonyEffort::kLow      ? "low"
                                   : *plan.harmony_level == chat::HarmonyEffort::kMedium ? "medium"
                                                                                         : "high";
    }
    if (plan.max_waits > 0) {
      entry["min_reasoning_tokens"] = plan.min_reasoning;
      entry["max_waits"] = plan.max_waits;
    }
    efforts[std::string(effort_name(effort))] = std::move(entry);
  }
  out["efforts"] = std::move(efforts);
  out["budget_sentence"] = config.budget_sentence;
  out["supports_auto"] = true;
  return out;
}

}  // namespace loom::reasoning
