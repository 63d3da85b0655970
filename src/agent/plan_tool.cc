// The `update_plan` tool: the model's step list, kept in the session and echoed.
#include "agent/tools.h"

namespace loom::agent {

namespace {

Result<std::vector<PlanStep>> parse_plan(const nlohmann::json& arguments) {
  if (!arguments.is_object()) return invalid_argument("arguments must be a JSON object");
  auto it = arguments.find("plan");
  if (it == arguments.end() || !it->is_array()) return invalid_argument("argument 'plan' must be an array");
  std::vector<PlanStep> plan;
  int in_progress = 0;
  for (const nlohmann::json& item : *it) {
    PlanStep step;
    step.step = TRY(string_argument(item, "step"));
    step.status = TRY(string_argument(item, "status"));
    if (step.status != "pending" && step.status != "in_progress" && step.status != "completed")
      return invalid_argument("step '", step.step, "' has status '", step.status,
                              "'; expected pending, in_progress or completed");
    in_progress += step.status == "in_progress";
    plan.push_back(std::move(step));
  }
  if (in_progress > 1) return invalid_argument("at most one step may be in_progress");
  return plan;
}

std::string render_plan(const std::vector<PlanStep>& plan) {
  std::string text = "Plan updated:\n";
  for (const PlanStep& step : plan) {
    const char* mark = step.status == "completed" ? "[x]" : step.status == "in_progress" ? "[~]" : "[ ]";
    text += str_cat(mark, " ", step.step, "\n");
  }
  return text;
}

class UpdatePlanTool : public Tool {
 public:
  const ToolSpec& spec() const override { return spec_; }
  ToolAccess access(const ToolCall&, const ToolContext&) const override {
    return {.session_writes = {"plan"}};
  }
  Result<ToolOutput> run(const ToolCall& call, ToolContext& context) const override {
    Result<std::vector<PlanStep>> plan = parse_plan(call.arguments);
    if (!plan.ok()) return ToolOutput::failure(plan.status().message());
    context.set_plan(*plan);
    return ToolOutput::success(render_plan(*plan));
  }

 private:
  ToolSpec spec_{
      .name = "update_plan",
      .description = "Records the task plan: the whole list of steps, each pending, in_progress (at most one) or "
                     "completed. Call it again to update statuses.",
      .parameters = {
          {"type", "object"},
          {"properties",
           {{"explanation", {{"type", "string"}, {"description", "Optional note on what changed."}}},
            {"plan",
             {{"type", "array"},
              {"items",
               {{"type", "object"},
                {"properties",
                 {{"step", {{"type", "string"}}},
                  {"status", {{"type", "string"}, {"enum", {"pending", "in_progress", "completed"}}}}}},
                {"required", {"step", "status"}},
                {"additionalProperties", false}}}}}}},
          {"required", {"plan"}},
          {"additionalProperties", false}}};
};

}  // namespace

std::unique_ptr<Tool> make_update_plan_tool() { return std::make_unique<UpdatePlanTool>(); }

}  // namespace loom::agent
