// ServingModel: what the server knows about the model it serves (name,
// tokenizer, chat template, output family, context length) and the step from
// a validated request to prompt tokens and output-parser options.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chat/chat_template.h"
#include "chat/family.h"
#include "chat/output_parser.h"
#include "reasoning/budget_forcing.h"
#include "reasoning/router.h"
#include "reasoning/settings.h"
#include "server/request.h"
#include "text/tokenizer.h"

namespace loom::server {

struct PreparedPrompt {
  std::string text;
  std::vector<int32_t> ids;
  chat::ParserOptions parser_options;
  // The effort the prompt was rendered at (auto already resolved); not set
  // when the request gave none.
  std::optional<reasoning::EffortPlan> effort;
  // auto: the router's choice, the start of escalation.
  std::optional<reasoning::RouterDecision> route;
  // The reasoning budget to enforce, when the plan has one.
  std::optional<reasoning::BudgetForcingOptions> budget;
};

struct ServingModelOptions {
  std::string id = "loom";        // the name /v1/models lists
  bool accept_any_model = true;   // serve requests naming any model (clients hard-code names)
  int64_t context_length = 32768;
  // Overrides the family detected from the chat template.
  std::optional<chat::Family> family;
  // Budgets per effort, the auto router and escalation thresholds.
  reasoning::ReasoningSettings reasoning;
};

class ServingModel {
 public:
  // `tokenizer` must outlive this object. The chat template comes from the
  // tokenizer; without one a plain "role: text" rendering is used.
  static Result<ServingModel> create(const text::Tokenizer& tokenizer, ServingModelOptions options);

  const std::string& id() const { return options_.id; }
  int64_t context_length() const { return options_.context_length; }
  chat::Family family() const { return family_; }
  const text::Tokenizer& tokenizer() const { return *tokenizer_; }
  // Whether the family has a reasoning syntax the parser separates.
  bool supports_reasoning() const;
  // How the model reasons, so what an effort turns into.
  reasoning::ReasoningStyle reasoning_style() const { return style_; }
  const reasoning::ReasoningSettings& reasoning() const { return options_.reasoning; }
  // The auto router's choice for this request (messages and tools).
  reasoning::RouterDecision route(const GenerationRequest& request) const;

  // NotFound (model_not_found) when the request names another model and
  // accept_any_model is off.
  Status check_model(const std::string& requested) const;
  // The prompt at the request's effort; auto is resolved by the router.
  Result<PreparedPrompt> prepare(const GenerationRequest& request, std::string_view id_seed) const;
  // The prompt at `effort` (not auto; unset: the model's default), whatever
  // the request asked (escalation re-prepares at the next level).
  Result<PreparedPrompt> prepare_at(const GenerationRequest& request, std::string_view id_seed,
                                    std::optional<reasoning::Effort> effort) const;

 private:
  ServingModel(const text::Tokenizer& tokenizer, ServingModelOptions options, chat::Family family,
               std::shared_ptr<const chat::ChatTemplate> chat_template, reasoning::ReasoningStyle style)
      : tokenizer_(&tokenizer), options_(std::move(options)), family_(family), template_(std::move(chat_template)),
        style_(style) {}
  Result<std::string> render(const GenerationRequest& request, const reasoning::EffortPlan& plan) const;

  const text::Tokenizer* tokenizer_;
  ServingModelOptions options_;
  chat::Family family_;
  std::shared_ptr<const chat::ChatTemplate> template_;  // null: plain rendering
  reasoning::ReasoningStyle style_;
};

}  // namespace loom::server
