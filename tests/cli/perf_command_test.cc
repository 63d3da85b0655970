// `loom perf` driven through its command line, in process, on a tiny
// random-weight model: the edge cases of its lengths.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "model/test_model.h"

namespace loom::cli {
namespace {

using ::testing::HasSubstr;

struct Outcome {
  int exit_code = 0;
  std::string out, err;
};

Outcome run_perf(std::vector<std::string> args) {
  CLI::App app;
  ExitCode exit_code;
  add_perf_command(app, exit_code);
  args.insert(args.begin(), {"loom", "perf"});
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  app.parse(static_cast<int>(argv.size()), argv.data());
  Outcome outcome;
  outcome.exit_code = exit_code.value;
  outcome.out = ::testing::internal::GetCapturedStdout();
  outcome.err = ::testing::internal::GetCapturedStderr();
  return outcome;
}

// The message of the usage error the command line raises, or "" if none.
std::string usage_error(std::vector<std::string> args) {
  CLI::App app;
  ExitCode exit_code;
  add_perf_command(app, exit_code);
  args.insert(args.begin(), {"loom", "perf"});
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  std::string message;
  ::testing::internal::CaptureStdout();  // a valid line runs the measurement
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& error) {
    message = error.what();
  }
  ::testing::internal::GetCapturedStdout();
  return message;
}

// One file per test: ctest runs the tests of this binary in parallel.
std::string tiny_model() {
  const std::string path = ::testing::TempDir() + "perf_command_" +
                           ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".gguf";
  EXPECT_TRUE(model::write_test_model(model::TestModelOptions{}, path).ok());
  return path;
}

TEST(PerfCommand, DecodeAloneWithoutAPrompt) {
  const Outcome o = run_perf({tiny_model(), "-p", "0", "-n", "3", "-r", "2", "-t", "1", "--json"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const nlohmann::json result = nlohmann::json::parse(o.out);
  EXPECT_EQ(result["prompt_tokens"], 0);
  EXPECT_EQ(result["gen_tokens"], 3);
  EXPECT_EQ(result["prefill_tok_s"], 0.0);
  EXPECT_GT(result["decode_tok_s"].get<double>(), 0.0);
}

TEST(PerfCommand, PrefillAloneWithoutDecode) {
  const Outcome o = run_perf({tiny_model(), "-p", "5", "-n", "0", "-r", "1", "-t", "1", "--json"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const nlohmann::json result = nlohmann::json::parse(o.out);
  EXPECT_GT(result["prefill_tok_s"].get<double>(), 0.0);
  EXPECT_EQ(result["decode_tok_s"], 0.0);
}

TEST(PerfCommand, NothingToMeasureIsAClearError) {
  const Outcome o = run_perf({tiny_model(), "-p", "0", "-n", "0"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_THAT(o.err, HasSubstr("nothing to measure: --prompt-tokens and --gen-tokens are both 0"));
  EXPECT_EQ(o.out, "");
}

// Counts below their least value say so plainly (CLI11's own checks print
// the whole of DBL_MAX); text that is no number is left to the conversion.
TEST(PerfCommand, CountsOutOfRangeReadWell) {
  const std::string model = tiny_model();
  EXPECT_EQ(usage_error({model, "-r", "0"}), "--repetitions: must be 1 or more, not 0");
  EXPECT_EQ(usage_error({model, "-p", "-3"}), "--prompt-tokens: must be 0 or more, not -3");
  EXPECT_EQ(usage_error({model, "-t", "-1"}), "--threads: must be 0 or more, not -1");
  EXPECT_THAT(usage_error({model, "-n", "many"}), HasSubstr("--gen-tokens"));
  EXPECT_EQ(usage_error({model, "-r", "2", "-p", "0", "-n", "1"}), "");
}

TEST(PerfCommand, ContextBeyondTheModelIsAClearError) {
  const Outcome o = run_perf({tiny_model(), "-p", "100000", "-n", "1"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_THAT(o.err, HasSubstr("exceeds the model's"));
}

}  // namespace
}  // namespace loom::cli
