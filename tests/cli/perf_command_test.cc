// `loom perf` driven through its command line, in process, on a tiny
// random-weight model: the edge cases of its lengths.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/command_line.h"

namespace loom::cli {
namespace {

using ::testing::HasSubstr;
using testing::Outcome;
using testing::tiny_model;

Outcome perf(std::vector<std::string> args) {
  args.insert(args.begin(), "perf");
  return testing::run_command_line(add_perf_command, std::move(args));
}

TEST(PerfCommand, DecodeAloneWithoutAPrompt) {
  const Outcome o = perf({tiny_model(), "-p", "0", "-n", "3", "-r", "2", "-t", "1", "--json"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const nlohmann::json result = nlohmann::json::parse(o.out);
  EXPECT_EQ(result["prompt_tokens"], 0);
  EXPECT_EQ(result["gen_tokens"], 3);
  EXPECT_EQ(result["prefill_tok_s"], 0.0);
  EXPECT_GT(result["decode_tok_s"].get<double>(), 0.0);
}

TEST(PerfCommand, PrefillAloneWithoutDecode) {
  const Outcome o = perf({tiny_model(), "-p", "5", "-n", "0", "-r", "1", "-t", "1", "--json"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const nlohmann::json result = nlohmann::json::parse(o.out);
  EXPECT_GT(result["prefill_tok_s"].get<double>(), 0.0);
  EXPECT_EQ(result["decode_tok_s"], 0.0);
}

TEST(PerfCommand, NothingToMeasureIsAClearError) {
  const Outcome o = perf({tiny_model(), "-p", "0", "-n", "0"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_THAT(o.err, HasSubstr("nothing to measure: --prompt-tokens and --gen-tokens are both 0"));
  EXPECT_EQ(o.out, "");
}

// Counts below their least value say so plainly (CLI11's own checks print
// the whole of DBL_MAX); text that is no number is left to the conversion.
TEST(PerfCommand, CountsOutOfRangeReadWell) {
  const std::string model = tiny_model();
  EXPECT_EQ(perf({model, "-r", "0"}).usage_error, "--repetitions: must be 1 or more, not 0");
  EXPECT_EQ(perf({model, "-p", "-3"}).usage_error, "--prompt-tokens: must be 0 or more, not -3");
  EXPECT_EQ(perf({model, "-t", "-1"}).usage_error, "--threads: must be 0 or more, not -1");
  EXPECT_THAT(perf({model, "-n", "many"}).usage_error, HasSubstr("--gen-tokens"));
  EXPECT_EQ(perf({model, "-r", "2", "-p", "0", "-n", "1"}).usage_error, "");
}

TEST(PerfCommand, ContextBeyondTheModelIsAClearError) {
  const Outcome o = perf({tiny_model(), "-p", "100000", "-n", "1"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_THAT(o.err, HasSubstr("exceeds the model's"));
}

}  // namespace
}  // namespace loom::cli
