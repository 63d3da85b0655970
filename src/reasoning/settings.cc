// The reasoning configuration file (see settings.h).
#include "reasoning/settings.h"

#include <fstream>
#include <sstream>

namespace loom::reasoning {
namespace {

Status read_count(const std::string& key, const nlohmann::json& value, int32_t min, int32_t& out) {
  if (!value.is_number_integer() || value.get<int64_t>() < min || value.get<int64_t>() > (1 << 30)) {
    return invalid_argument("escalation config: ", key, " must be an integer >= ", min);
  }
  out = value.get<int32_t>();
  return {};
}

Status read_nats(const std::string& key, const nlohmann::json& value, double& out) {
  if (!value.is_number() || value.get<double>() < 0) {
    return invalid_argument("escalation config: ", key, " must be a non-negative number");
  }
  out = value.get<double>();
  return {};
}

}  // namespace

Result<EscalationConfig> parse_escalation_config(std::string_view json_text) {
  const auto json = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return invalid_argument("escalation config: not a JSON object");
  EscalationConfig config;
  for (const auto& [key, value] : json.items()) {
    if (key == "metric") {
      const std::string metric = value.is_string() ? value.get<std::string>() : "";
      if (metric == "mean_entropy") config.metric = UncertaintyMetric::kMeanEntropy;
      else if (metric == "mean_margin") config.metric = UncertaintyMetric::kMeanMargin;
      else return invalid_argument("escalation config: metric must be \"mean_entropy\" or \"mean_margin\"");
    } else if (key == "window") {
      TRY(read_count(key, value, 1, config.window));
    } else if (key == "min_tokens") {
      TRY(read_count(key, value, 0, config.min_tokens));
    } else if (key == "max_escalations") {
      TRY(read_count(key, value, 0, config.max_escalations));
    } else if (key == "top_logprobs") {
      // Entropy needs at least the top two; the sampler reports at most 20.
      TRY(read_count(key, value, 2, config.top_logprobs));
      if (config.top_logprobs > 20) return invalid_argument("escalation config: top_logprobs must be at most 20");
    } else if (key == "max_mean_entropy") {
      TRY(read_nats(key, value, config.max_mean_entropy));
    } else if (key == "min_mean_margin") {
      TRY(read_nats(key, value, config.min_mean_margin));
    } else if (key == "ceiling") {
      if (!value.is_string()) return invalid_argument("escalation config: ceiling must be an effort name");
      config.ceiling = TRY(parse_effort(value.get<std::string>()));
      if (config.ceiling == Effort::kAuto) return invalid_argument("escalation config: ceiling cannot be auto");
    } else {
      return invalid_argument("escalation config: unknown key '", key, "'");
    }
  }
  return config;
}

Result<ReasoningSettings> parse_reasoning_settings(std::string_view json_text) {
  const auto json = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return invalid_argument("reasoning config: not a JSON object");
  ReasoningSettings settings;
  nlohmann::json budgets = nlohmann::json::object();
  for (const auto& [key, value] : json.items()) {
    if (key == "router") {
      settings.router = TRY(parse_router_config(value.dump()));
    } else if (key == "escalation") {
      settings.escalation = TRY(parse_escalation_config(value.dump()));
    } else {
      budgets[key] = value;
    }
  }
  settings.budgets = TRY(parse_reasoning_config(budgets.dump()));
  return settings;
}

Result<ReasoningSettings> load_reasoning_settings(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot open reasoning config ", path);
  std::stringstream text;
  text << in.rdbuf();
  auto settings = parse_reasoning_settings(text.str());
  if (!settings.ok()) return settings.status().with_context(path);
  return settings;
}

}  // namespace loom::reasoning
