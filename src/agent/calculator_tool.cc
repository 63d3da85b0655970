// The `calculator` tool: exact arithmetic for the model, so it never has to
// do sums in its head. Evaluation is agent/arithmetic.h; nothing else runs.
#include "agent/arithmetic.h"
#include "agent/tools.h"

namespace loom::agent {
namespace {

class CalculatorTool : public Tool {
 public:
  const ToolSpec& spec() const override { return spec_; }
  // Touches nothing: always runs in parallel with every other call.
  ToolAccess access(const ToolCall&, const ToolContext&) const override { return {}; }
  Result<ToolOutput> run(const ToolCall& call, ToolContext&) const override {
    Result<std::string> expression = string_argument(call.arguments, "expression");
    if (!expression.ok()) return ToolOutput::failure(expression.status().message());
    Result<Number> value = evaluate_arithmetic(*expression);
    if (!value.ok()) return ToolOutput::failure(str_cat("cannot evaluate '", *expression, "': ", value.status().message()));
    return ToolOutput::success(format_number(*value));
  }

 private:
  ToolSpec spec_{
      .name = "calculator",
      .description = "Evaluates an arithmetic expression exactly: + - * / % (remainder) and parentheses over "
                     "integers and decimals, e.g. (17 + 25) * 3 / 2. Returns the number.",
      .parameters = {{"type", "object"},
                     {"properties",
                      {{"expression", {{"type", "string"}, {"description", "The expression, e.g. 12 * (3 + 4.5)"}}}}},
                     {"required", {"expression"}},
                     {"additionalProperties", false}}};
};

}  // namespace

std::unique_ptr<Tool> make_calculator_tool() { return std::make_unique<CalculatorTool>(); }

}  // namespace loom::agent
