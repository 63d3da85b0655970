// The agent loop: budgets, model calls, tool-call validation, execution
// through the Executor, compaction, transcript events.
#include "agent/loop.h"

#include <optional>

#include "agent/system_prompt.h"

namespace loom::agent {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::string render_plan(const std::vector<PlanStep>& plan) {
  std::string text;
  for (const PlanStep& step : plan) {
    const char* mark = step.status == "completed" ? "[x]" : step.status == "in_progress" ? "[~]" : "[ ]";
    text += str_cat(mark, " ", step.step, "\n");
  }
  return text;
}

// The plan as the last update_plan call with valid arguments left it.
std::vector<PlanStep> plan_from_items(const std::vector<Item>& items) {
  for (auto item = items.rbegin(); item != items.rend(); ++item) {
    for (auto call = item->tool_calls.rbegin(); call != item->tool_calls.rend(); ++call) {
      if (call->name != "update_plan") continue;
      const json arguments = json::parse(call->arguments, nullptr, /*allow_exceptions=*/false);
      if (arguments.is_discarded() || !arguments.is_object() || !arguments.contains("plan") ||
          !arguments["plan"].is_array())
        continue;
      std::vector<PlanStep> plan;
      for (const auto& step : arguments["plan"]) {
        if (step.is_object() && step.contains("step") && step["step"].is_string() && step.contains("status") &&
            step["status"].is_string())
          plan.push_back({step["step"].get<std::string>(), step["status"].get<std::string>()});
      }
      return plan;
    }
  }
  return {};
}

std::string tool_names(const ToolRegistry& registry) {
  std::string names;
  for (const ToolSpec* spec : registry.specs()) names += (names.empty() ? "" : ", ") + spec->name;
  return names;
}

}  // namespace

std::string_view stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::kAnswered: return "answered";
    case StopReason::kMaxTurns: return "max_turns";
    case StopReason::kMaxTokens: return "max_tokens";
    case StopReason::kMaxCost: return "max_cost";
    case StopReason::kWallTime: return "wall_time";
  }
  return "answered";
}

AgentLoop::AgentLoop(ModelBackend& backend, const ToolRegistry& registry, ToolContext& context,
                     LoopOptions options, TranscriptWriter* transcript, LoopObserver* observer)
    : backend_(backend),
      registry_(registry),
      context_(context),
      options_(std::move(options)),
      transcript_(transcript),
      observer_(observer != nullptr ? observer : &null_observer_) {}

Status AgentLoop::record_item(Item item) {
  if (transcript_ != nullptr) TRY(transcript_->write_item(item));
  items_.push_back(std::move(item));
  return {};
}

Result<LoopResult> AgentLoop::run(const std::string& task, const std::string& session_id) {
  start_ = Clock::now();
  result_ = {};
  items_.clear();
  if (transcript_ != nullptr) {
    TRY(transcript_->write({{"type", "session_start"},
                            {"id", session_id},
                            {"task", task},
                            {"workspace", context_.workspace().root().string()},
                            {"backend", backend_.describe()},
                            {"sandbox", sandbox_mode_name(context_.mode())},
                            {"reasoning_effort", options_.reasoning_effort}}));
  }
  const SystemPromptInputs prompt_inputs{.workspace = context_.workspace().root(),
                                         .sandbox = context_.mode(),
                                         .approval = context_.approval_policy(),
                                         .tools = registry_.names()};
  TRY(record_item(Item::system(options_.system_prompt.empty() ? build_system_prompt(prompt_inputs)
                                                              : options_.system_prompt)));
  TRY(record_item(Item::user(task)));
  return drive();
}

Result<LoopResult> AgentLoop::resume(const SessionRecord& record, const std::string& message) {
  start_ = Clock::now();
  result_ = {};
  result_.usage = record.usage;
  items_ = record.items;
  context_.set_plan(plan_from_items(items_));
  if (transcript_ != nullptr) TRY(transcript_->write({{"type", "resume"}, {"items", items_.size()}}));
  // Calls the interrupted run never answered get a result, so the
  // conversation stays well formed; the model may issue them again.
  if (!items_.empty() && items_.back().kind == ItemKind::kAssistant) {
    for (const ModelToolCall& call : items_.back().tool_calls) {
      TRY(record_item({.kind = ItemKind::kToolResult,
                       .text = "The session was interrupted before this call ran; call it again if it is still needed.",
                       .call_id = call.call_id,
                       .tool_name = call.name,
                       .freeform = call.freeform,
                       .is_error = true}));
    }
  }
  if (!message.empty()) {
    TRY(record_item(Item::user(message)));
  } else if (!items_.empty() && items_.back().kind == ItemKind::kAssistant) {
    // Answered already and nothing new to say: report the answer.
    result_.answer = items_.back().text;
    result_.cost_usd = cost_usd(result_.usage, options_.prices);
    return result_;
  }
  return drive();
}

Result<LoopResult> AgentLoop::drive() {
  Status failure;
  while (true) {
    if (auto reason = budget_exhausted()) {
      result_.reason = *reason;
      observer_->on_notice(str_cat("stopping: budget ", stop_reason_name(*reason), " reached"));
      break;
    }
    Result<bool> answered = step();
    if (!answered.ok()) {
      failure = answered.status();
      break;
    }
    if (*answered) {
      result_.reason = StopReason::kAnswered;
      break;
    }
  }
  result_.cost_usd = cost_usd(result_.usage, options_.prices);
  result_.wall_seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  if (transcript_ != nullptr) {
    json end = {{"type", "session_end"},
                {"reason", failure.ok() ? std::string(stop_reason_name(result_.reason)) : std::string("error")},
                {"turns", result_.turns},
                {"usage", usage_to_json(result_.usage)},
                {"cost_usd", result_.cost_usd}};
    if (!failure.ok()) end["error"] = failure.to_string();
    TRY(transcript_->write(std::move(end)));
  }
  if (!failure.ok()) return failure;
  return result_;
}

std::optional<StopReason> AgentLoop::budget_exhausted() const {
  if (result_.turns >= options_.max_turns) return StopReason::kMaxTurns;
  if (options_.max_tokens > 0 && result_.usage.total() >= options_.max_tokens) return StopReason::kMaxTokens;
  if (options_.max_cost_usd > 0 && cost_usd(result_.usage, options_.prices) >= options_.max_cost_usd)
    return StopReason::kMaxCost;
  if (options_.max_wall.count() > 0 && Clock::now() - start_ >= options_.max_wall) return StopReason::kWallTime;
  return std::nullopt;
}

Status AgentLoop::maybe_compact() {
  int64_t tool_tokens = 0;
  for (const ToolSpec* spec : registry_.specs()) tool_tokens += estimate_tokens(chat_tool_json(*spec).dump());
  if (!needs_compaction(items_, tool_tokens, options_.compaction)) return {};
  const int64_t before = estimate_tokens(items_) + tool_tokens;
  Compacted compacted = TRY(compact(backend_, items_, render_plan(context_.plan()), options_.compaction));
  result_.usage += compacted.usage;
  if (transcript_ != nullptr) TRY(transcript_->write({{"type", "usage"}, {"usage", usage_to_json(compacted.usage)}}));
  if (compacted.replaced == 0) {
    observer_->on_notice("the conversation is near the context window but has no older turns to compact");
    return {};
  }
  items_ = std::move(compacted.items);
  ++result_.compactions;
  if (transcript_ != nullptr) {
    json items = json::array();
    for (const Item& item : items_) items.push_back(item_to_json(item));
    TRY(transcript_->write({{"type", "compaction"},
                            {"replaced", compacted.replaced},
                            {"summary", compacted.summary},
                            {"items", items}}));
  }
  observer_->on_compaction(before, estimate_tokens(items_) + tool_tokens);
  return {};
}

Result<bool> AgentLoop::step() {
  TRY(maybe_compact());
  ModelRequest request{.purpose = RequestPurpose::kTurn,
                       .items = items_,
                       .tools = registry_.specs(),
                       .reasoning_effort = options_.reasoning_effort,
                       .stream = [this](const TurnDelta& delta) { observer_->on_delta(delta); }};
  ModelTurn turn = TRY(backend_.complete(request));
  ++result_.turns;
  result_.usage += turn.usage;
  if (transcript_ != nullptr) {
    TRY(transcript_->write({{"type", "usage"}, {"turn", result_.turns}, {"usage", usage_to_json(turn.usage)}}));
  }
  if (turn.streamed) {
    observer_->on_stream_end();
  } else {
    if (!turn.reasoning.empty()) observer_->on_reasoning(turn.reasoning);
    if (!turn.content.empty()) observer_->on_content(turn.content);
  }
  // Every call gets an id, so its result can be matched to it.
  for (size_t index = 0; index < turn.tool_calls.size(); ++index) {
    if (turn.tool_calls[index].call_id.empty())
      turn.tool_calls[index].call_id = str_cat("call_", result_.turns, "_", index);
  }
  const bool answered = turn.tool_calls.empty();
  if (answered) result_.answer = turn.content;
  TRY(record_item({.kind = ItemKind::kAssistant,
                   .text = turn.content,
                   .reasoning = turn.reasoning,
                   .tool_calls = turn.tool_calls}));
  if (answered) return true;

  Status session_failure;
  std::vector<Item> results = run_tool_calls(turn.tool_calls, session_failure);
  for (Item& item : results) TRY(record_item(std::move(item)));
  TRY(session_failure);
  return false;
}

std::vector<Item> AgentLoop::run_tool_calls(const std::vector<ModelToolCall>& calls, Status& session_failure) {
  std::vector<Item> results(calls.size());
  std::vector<ToolCall> runnable;
  std::vector<size_t> runnable_index;
  for (size_t index = 0; index < calls.size(); ++index) {
    const ModelToolCall& call = calls[index];
    observer_->on_tool_call(call);
    Item& result = results[index];
    result = {.kind = ItemKind::kToolResult, .call_id = call.call_id, .tool_name = call.name, .freeform = call.freeform};
    ++result_.tool_calls;
    // A malformed call is answered with an error the model can act on.
    const Tool* tool = registry_.find(call.name);
    if (tool == nullptr) {
      result.text = str_cat("Error: unknown tool '", call.name, "'. Available tools: ", tool_names(registry_), ".");
      result.is_error = true;
      continue;
    }
    ToolCall parsed{.call_id = call.call_id, .name = call.name};
    if (call.freeform) {
      if (tool->spec().format != ToolFormat::kFreeform) {
        result.text = str_cat("Error: ", call.name, " takes JSON arguments, not freeform input.");
        result.is_error = true;
        continue;
      }
      parsed.input = call.arguments;
    } else {
      const std::string& text = call.arguments.empty() ? std::string("{}") : call.arguments;
      json arguments = json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (arguments.is_discarded() || !arguments.is_object()) {
        result.text = str_cat("Error: the arguments of ", call.name,
                              " are not a valid JSON object, so the call did not run. Received: ",
                              text.substr(0, 300), "\nSend the call again with the arguments as one JSON object.");
        result.is_error = true;
        continue;
      }
      parsed.arguments = std::move(arguments);
    }
    runnable.push_back(std::move(parsed));
    runnable_index.push_back(index);
  }
  for (size_t index = 0; index < calls.size(); ++index) {
    if (results[index].is_error) observer_->on_tool_result(calls[index], ToolOutput::failure(results[index].text), 0);
  }
  if (runnable.empty()) return results;

  Executor executor(registry_, context_, options_.executor);
  const auto start = Clock::now();
  std::vector<Result<ToolOutput>> outputs = executor.run_turn(runnable);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (size_t position = 0; position < outputs.size(); ++position) {
    Item& result = results[runnable_index[position]];
    if (!outputs[position].ok()) {
      if (session_failure.ok()) session_failure = outputs[position].status().with_context(str_cat(result.tool_name, " call"));
      result.text = str_cat("Error: the session stopped: ", outputs[position].status().message());
      result.is_error = true;
      continue;
    }
    result.text = outputs[position]->text;
    result.is_error = outputs[position]->is_error;
    observer_->on_tool_result(calls[runnable_index[position]], *outputs[position], seconds);
  }
  return results;
}

}  // namespace loom::agent
