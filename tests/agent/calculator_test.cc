// The calculator's arithmetic against a reference: random expression trees
// evaluated directly (128-bit integers) and then printed, with random spacing
// and redundant parentheses, for the parser to read back; a table of
// decimals and of bad input with the exact error; the tool through the
// registry and --tools lists.
#include <gtest/gtest.h>

#include <random>

#include "agent/arithmetic.h"
#include "agent/system_prompt.h"
#include "agent/tools.h"
#include "agent_test_support.h"

namespace loom::agent {
namespace {

// A random expression over small integers, its printed form and its value.
// Division only where it is exact, so the value stays an integer.
struct Tree {
  std::string text;
  __int128 value = 0;
};

class TreeMaker {
 public:
  explicit TreeMaker(uint64_t seed) : random_(seed) {}

  Tree make(int depth) {
    if (depth == 0 || pick(4) == 0) {
      const int64_t number = static_cast<int64_t>(pick(1000));
      return {spaces() + std::to_string(number) + spaces(), number};
    }
    Tree left = make(depth - 1);
    Tree right = make(depth - 1);
    const char ops[] = {'+', '-', '*', '/', '%'};
    char op = ops[pick(5)];
    if ((op == '/' || op == '%') && right.value == 0) op = '+';
    if (op == '/' && left.value % right.value != 0) op = '-';
    __int128 value = apply(op, left.value, right.value);
    // Values stay under 2^40 so that no step overflows: a product that grows
    // too large becomes a difference, then a remainder (right is not 0 then,
    // or the difference would have been small).
    if (too_large(value)) value = apply(op = '-', left.value, right.value);
    if (too_large(value)) value = apply(op = '%', left.value, right.value);
    // Full parentheses keep the tree's order; a unary sign now and then.
    std::string text = "(" + left.text + op + right.text + ")";
    if (pick(8) == 0) {
      text = "-" + text;
      value = -value;
    }
    return {spaces() + text + spaces(), value};
  }

 private:
  static __int128 apply(char op, __int128 left, __int128 right) {
    switch (op) {
      case '+': return left + right;
      case '-': return left - right;
      case '*': return left * right;
      case '/': return left / right;
      default: return left % right;  // C: sign of the dividend
    }
  }
  static bool too_large(__int128 value) { return value >= (__int128{1} << 40) || value <= -(__int128{1} << 40); }
  uint64_t pick(uint64_t count) { return std::uniform_int_distribution<uint64_t>(0, count - 1)(random_); }
  std::string spaces() { return std::string(pick(3) == 0 ? 1 : 0, ' '); }
  std::mt19937_64 random_;
};

std::string eval(std::string_view expression) {
  Result<Number> value = evaluate_arithmetic(expression);
  return value.ok() ? format_number(*value) : "error: " + value.status().message();
}

TEST(Arithmetic, RandomIntegerTreesMatchDirectEvaluation) {
  TreeMaker maker(7);
  int checked = 0;
  for (int round = 0; round < 3000; ++round) {
    const Tree tree = maker.make(1 + round % 6);
    const Result<Number> value = evaluate_arithmetic(tree.text);
    ASSERT_TRUE(value.ok()) << tree.text << ": " << value.status().to_string();
    ASSERT_TRUE(value->is_integer) << tree.text;
    EXPECT_EQ(value->integer, static_cast<int64_t>(tree.value)) << tree.text;
    ++checked;
  }
  EXPECT_EQ(checked, 3000);
}

TEST(Arithmetic, PrecedenceAssociativityAndSigns) {
  EXPECT_EQ(eval("2 + 3 * 4"), "14");
  EXPECT_EQ(eval("(2 + 3) * 4"), "20");
  EXPECT_EQ(eval("10 - 4 - 3"), "3");  // left to right
  EXPECT_EQ(eval("100 / 10 / 5"), "2");
  EXPECT_EQ(eval("2 * 3 % 4"), "2");
  EXPECT_EQ(eval("-3 * -(2 + 1)"), "9");
  EXPECT_EQ(eval("--5"), "5");
  EXPECT_EQ(eval("+7"), "7");
  EXPECT_EQ(eval("-7 % 3"), "-1");
  EXPECT_EQ(eval("7 % -3"), "1");
  EXPECT_EQ(eval(" ( ( 42 ) ) "), "42");
}

TEST(Arithmetic, DecimalsAndInexactDivision) {
  EXPECT_EQ(eval("7 / 2"), "3.5");
  EXPECT_EQ(eval("1 / 3"), "0.333333333333333");
  EXPECT_EQ(eval("0.1 + 0.2"), "0.3");
  EXPECT_EQ(eval("2.5 * 4"), "10");
  EXPECT_EQ(eval(".5 + 1."), "1.5");
  EXPECT_EQ(eval("5.5 % 2"), "1.5");
  EXPECT_EQ(eval("-0.0"), "0");
  EXPECT_EQ(eval("12.75 - 0.25"), "12.5");
  EXPECT_EQ(eval("1234567 * 1000"), "1234567000");
}

TEST(Arithmetic, LargeIntegersStayExactUntilTheyOverflow) {
  EXPECT_EQ(eval("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(eval("-9223372036854775807 - 1"), "-9223372036854775808");
  EXPECT_EQ(eval("4611686018427387904 * 2"), "9.22337203685478e+18");  // past int64: a decimal
  EXPECT_EQ(eval("99999999999999999999"), "1e+20");
  EXPECT_EQ(eval("-9223372036854775807 - 1 / -1"), "-9223372036854775806");
}

TEST(Arithmetic, BadInputIsNamedPrecisely) {
  EXPECT_EQ(eval(""), "error: the expression is empty");
  EXPECT_EQ(eval("   "), "error: the expression is empty");
  EXPECT_EQ(eval("1 +"), "error: expected a number or '(' at column 4 but the expression ended");
  EXPECT_EQ(eval("1 + * 2"), "error: expected a number or '(' at column 5 but found '*'");
  EXPECT_EQ(eval("(1 + 2"), "error: missing ')' for the '(' at column 1");
  EXPECT_EQ(eval("1 + 2)"), "error: unmatched ')' at column 6");
  EXPECT_EQ(eval("1 2"), "error: expected an operator (+ - * / %) at column 3 but found '2'");
  EXPECT_EQ(eval("4 / (2 - 2)"), "error: division by zero (the '/' at column 3)");
  EXPECT_EQ(eval("4 % 0"), "error: remainder by zero (the '%' at column 3)");
  EXPECT_EQ(eval("2 ^ 3"),
            "error: unexpected character '^' at column 3; only digits, '.', + - * / % ( ) and spaces are allowed");
  EXPECT_EQ(eval("3 × 4"),
            "error: unexpected character '×' at column 3; only digits, '.', + - * / % ( ) and spaces are allowed");
  EXPECT_EQ(eval("sqrt(4)"),
            "error: unexpected character 's' at column 1; only digits, '.', + - * / % ( ) and spaces are allowed");
  EXPECT_EQ(eval("1e5"),
            "error: unexpected character 'e' at column 2; only digits, '.', + - * / % ( ) and spaces are allowed");
  EXPECT_EQ(eval("1,000"),
            "error: unexpected ',' at column 2 inside a number (write decimals as 12.5, without thousands separators)");
  EXPECT_EQ(eval("1.2.3"),
            "error: unexpected '.' at column 4 inside a number (write decimals as 12.5, without thousands separators)");
  EXPECT_EQ(eval(". + 1"), "error: '.' at column 1 is not part of a number");
  EXPECT_EQ(eval("(2 3)"), "error: expected ')' at column 4 (to close the '(' at column 1) but found '3'");
  EXPECT_EQ(eval("1e308 * 10"),
            "error: unexpected character 'e' at column 2; only digits, '.', + - * / % ( ) and spaces are allowed");
  EXPECT_EQ(eval(std::string(400, '9') + " * 1"), "error: the number at column 1 is too large");
  EXPECT_EQ(eval("1" + std::string(300, '0') + " * 10000000000"),
            "error: the result is too large to represent");
}

TEST(Arithmetic, LimitsBoundLengthAndNesting) {
  EXPECT_EQ(eval(std::string(1001, '1')), "error: the expression is longer than 1000 bytes");
  EXPECT_EQ(eval(std::string(64, '(') + "1" + std::string(64, ')')),
            "error: the expression nests deeper than 64 levels");
  EXPECT_EQ(eval(std::string(63, '(') + "1" + std::string(63, ')')), "1");
  EXPECT_EQ(eval(std::string(500, '-') + "1"), "error: the expression nests deeper than 64 levels");
}

class CalculatorTool : public ::testing::Test {
 protected:
  ToolOutput run(const nlohmann::json& arguments) {
    ToolContext context(*Workspace::open(temp_.path(), SandboxMode::kFullAccess), ApprovalPolicy::kNever, nullptr);
    ToolCall call{.call_id = "c", .name = "calculator", .arguments = arguments};
    const Tool* tool = registry_.find("calculator");
    EXPECT_NE(tool, nullptr);
    EXPECT_TRUE(tool->access(call, context).reads.empty());
    Result<ToolOutput> output = tool->run(call, context);
    EXPECT_TRUE(output.ok());
    return *output;
  }
  testing::TempDir temp_;
  const ToolRegistry registry_ = *make_tool_registry({"calculator"});
};

TEST_F(CalculatorTool, AnswersAndFailsAsToolOutput) {
  const ToolOutput ok = run({{"expression", "(17 + 25) * 3 / 2"}});
  EXPECT_FALSE(ok.is_error);
  EXPECT_EQ(ok.text, "63");
  const ToolOutput bad = run({{"expression", "6 / 0"}});
  EXPECT_TRUE(bad.is_error);
  EXPECT_EQ(bad.text, "cannot evaluate '6 / 0': division by zero (the '/' at column 3)");
  EXPECT_EQ(run({{"expr", "1"}}).text, "missing required argument 'expression'");
  EXPECT_EQ(run({{"expression", 12}}).text, "argument 'expression' must be a string");
  const nlohmann::json schema = chat_tool_json(registry_.find("calculator")->spec());
  EXPECT_EQ(schema["function"]["parameters"]["required"], nlohmann::json::array({"expression"}));
}

TEST(ToolLists, ParsedCheckedAndOrdered) {
  EXPECT_EQ(default_tool_names(), (std::vector<std::string>{"shell", "read_file", "write_file", "apply_patch", "search",
                                                            "list_dir", "update_plan"}));
  EXPECT_EQ(all_tool_names().back(), "calculator");
  EXPECT_EQ(*parse_tool_list("shell, calculator"), (std::vector<std::string>{"shell", "calculator"}));
  EXPECT_EQ(make_tool_registry({"calculator", "shell"})->names(), (std::vector<std::string>{"calculator", "shell"}));
  EXPECT_EQ(parse_tool_list("shell,edit").status().message(),
            "unknown tool 'edit' (known tools: shell, read_file, write_file, apply_patch, search, list_dir, "
            "update_plan, calculator)");
  EXPECT_EQ(parse_tool_list("shell,,calculator").status().message(), "empty tool name in the tool list 'shell,,calculator'");
  EXPECT_EQ(parse_tool_list("shell,shell").status().message(), "tool 'shell' is listed twice");
  for (const std::string& name : all_tool_names()) {
    auto registry = make_tool_registry({name});
    ASSERT_TRUE(registry.ok()) << name;
    EXPECT_EQ(registry->find(name)->spec().name, name);
  }
}

TEST(SystemPrompt, DescribesOnlyTheToolsOffered) {
  const std::string full = build_system_prompt({.workspace = "/w", .tools = default_tool_names()});
  EXPECT_EQ(full,
            "You are loom, a coding agent working in the repository at /w. Use the tools to read code, search, edit "
            "files with apply_patch, and run commands; independent tool calls in one turn run in parallel. Keep a "
            "plan with update_plan for multi-step work. Verify changes by running the project's tests. When the task "
            "is done, answer without calling tools, with a short summary of what you changed.\n"
            "Sandbox: workspace-write; approval policy: on-request.");
  const std::string small = build_system_prompt(
      {.workspace = "/w", .sandbox = SandboxMode::kReadOnly, .approval = ApprovalPolicy::kNever, .tools = {"shell", "calculator"}});
  EXPECT_EQ(small,
            "You are loom, a coding agent working in the repository at /w. Use the tools to run commands and compute "
            "with calculator; independent tool calls in one turn run in parallel. When the task is done, answer "
            "without calling tools, with the result.\nSandbox: read-only; approval policy: never.");
}

}  // namespace
}  // namespace loom::agent
