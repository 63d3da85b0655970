// `loom train`'s checks of its optimizer options: values that would train
// backwards or never (a negative learning rate, a ratio past 1) are usage
// errors before any data is read; and the other commands' budgets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/command_line.h"

namespace loom::cli {
namespace {

using ::testing::HasSubstr;

std::string usage_error(std::vector<std::string> extra) {
  const std::string model = testing::tiny_model();  // any existing file will do for --tokenizer and --train
  std::vector<std::string> args = {"train", "--tokenizer", model, "--train", model, "--out",
                                   ::testing::TempDir() + "never_written.gguf"};
  args.insert(args.end(), extra.begin(), extra.end());
  return testing::run_command_line(add_train_command, args).usage_error;
}

TEST(TrainCommand, OptimizerOptionsOutOfRangeAreUsageErrors) {
  EXPECT_EQ(usage_error({"--lr", "-1"}), "--lr: must be more than 0, not -1");
  EXPECT_EQ(usage_error({"--lr", "0"}), "--lr: must be more than 0, not 0");
  EXPECT_EQ(usage_error({"--warmup", "-5"}), "--warmup: must be 0 or more, not -5");
  EXPECT_EQ(usage_error({"--weight-decay", "-0.1"}), "--weight-decay: must be 0 or more, not -0.1");
  EXPECT_EQ(usage_error({"--clip", "-1"}), "--clip: must be 0 or more, not -1");
  EXPECT_EQ(usage_error({"--batch-tokens", "0"}), "--batch-tokens: must be 1 or more, not 0");
  EXPECT_THAT(usage_error({"--min-lr-ratio", "2"}), HasSubstr("--min-lr-ratio"));
  // 0 steps used to mean "not given" and trained one epoch.
  EXPECT_EQ(usage_error({"--steps", "0"}), "--steps: must be 1 or more, not 0");
  EXPECT_EQ(usage_error({"--epochs", "-1"}), "--epochs: must be 1 or more, not -1");
}

// The corpus, evaluation and agent commands' counts and budgets likewise.
TEST(CountChecks, CorpusEvaluationAndAgentBudgets) {
  const std::string out = ::testing::TempDir() + "never_written.jsonl";
  EXPECT_EQ(testing::run_command_line(add_make_corpus_command, {"make-corpus", "--tasks", "-1", "--out", out})
                .usage_error,
            "--tasks: must be 1 or more, not -1");
  const std::string model = testing::tiny_model();
  EXPECT_EQ(testing::run_command_line(add_eval_agent_command, {"eval-agent", "--model", model, "--max-turns", "0"})
                .usage_error,
            "--max-turns: must be 1 or more, not 0");
  for (const char* option : {"--max-tokens", "--max-cost", "--max-seconds", "--context-tokens", "--price-output"}) {
    EXPECT_EQ(testing::run_command_line(add_agent_command, {"agent", option, "-1", "task"}).usage_error,
              std::string(option) + ": must be 0 or more, not -1");
  }
}

}  // namespace
}  // namespace loom::cli
