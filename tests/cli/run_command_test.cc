// `loom run` driven through its command line, in process, on a tiny
// random-weight model: lengths at their edges, raw and with --effort; and
// `loom serve`'s checks of its options (they fail before it serves).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/command_line.h"

namespace loom::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::Outcome;
using testing::tiny_model;

Outcome run(std::vector<std::string> args) {
  args.insert(args.begin(), "run");
  return testing::run_command_line(add_run_command, std::move(args));
}

TEST(RunCommand, ZeroTokensEvaluatesThePromptAlone) {
  const Outcome o = run({tiny_model(), "hello", "-n", "0", "-t", "1"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "hello\n");
  EXPECT_THAT(o.err, HasSubstr(" 0 generated"));
  EXPECT_THAT(o.err, HasSubstr("stop: length"));
}

TEST(RunCommand, GeneratesAtMostMaxTokens) {
  const Outcome o = run({tiny_model(), "hello", "-n", "3", "--temperature", "0", "-t", "1"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_THAT(o.out, StartsWith("hello"));
  EXPECT_THAT(o.err, HasSubstr(" 3 generated"));
}

TEST(RunCommand, ZeroTokensWithEffortIsAClearError) {
  const Outcome o = run({tiny_model(), "hello", "-n", "0", "--effort", "low", "-t", "1"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_THAT(o.err, HasSubstr("--max-tokens 0 leaves no room for an answer"));
  EXPECT_EQ(o.out, "");
}

TEST(RunCommand, NegativeTemperatureReadsWell) {
  EXPECT_EQ(run({tiny_model(), "hello", "--temperature", "-0.5"}).usage_error,
            "--temperature: must be 0 or more, not -0.5");
}

TEST(ServeCommand, PortOutsideTheTcpRangeIsAUsageError) {
  const std::string model = tiny_model();
  EXPECT_THAT(testing::run_command_line(add_serve_command, {"serve", model, "--port", "99999"}).usage_error,
              HasSubstr("--port: Value 99999 not in range 0 to 65535"));
  EXPECT_THAT(testing::run_command_line(add_serve_command, {"serve", model, "--port", "-1"}).usage_error,
              HasSubstr("--port"));
}

}  // namespace
}  // namespace loom::cli
