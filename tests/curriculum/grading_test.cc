// Grading: the conversation the curriculum teaches grades as correct, valid
// and parallel; a wrong number, a malformed call or calls spread over turns
// are each caught.
#include <gtest/gtest.h>

#include "curriculum/conversation.h"
#include "curriculum/corpus.h"
#include "curriculum/grading.h"

namespace loom::curriculum {
namespace {

struct TaughtRun {
  std::vector<agent::ModelTurn> turns;
  agent::LoopResult result;
};

// The turns of the taught conversation, as a backend would return them.
TaughtRun taught_run(const Task& task, Rng& rng) {
  const AgentConversation conversation = task_conversation(task, "/w", rng);
  TaughtRun run;
  for (const agent::Item& item : conversation.items) {
    if (item.kind != agent::ItemKind::kAssistant) continue;
    run.turns.push_back({.content = item.text, .reasoning = item.reasoning, .tool_calls = item.tool_calls});
  }
  run.result.answer = run.turns.back().content;
  run.result.reason = agent::StopReason::kAnswered;
  return run;
}

class GradingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto registry = agent::make_tool_registry(curriculum_tool_names());
    ASSERT_TRUE(registry.ok());
    registry_ = std::move(*registry);
    auto tokenizer = rendering_tokenizer();
    ASSERT_TRUE(tokenizer.ok());
    tokenizer_ = std::move(*tokenizer);
  }
  Task task_with_questions(size_t count, Rng& rng) {
    while (true) {
      Task task = generate_task(rng, {.min_questions = static_cast<int>(count), .max_questions = static_cast<int>(count)});
      task.effort = TaskEffort::kHigh;
      if (task.questions.size() == count) return task;
    }
  }
  agent::ToolRegistry registry_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
};

TEST_F(GradingTest, TheTaughtConversationIsCorrectValidAndParallel) {
  Rng rng(1);
  for (int index = 0; index < 50; ++index) {
    const Task task = generate_task(rng);
    const TaughtRun run = taught_run(task, rng);
    const TaskOutcome outcome = grade_task(task, run.turns, run.result, registry_, *tokenizer_);
    EXPECT_TRUE(outcome.correct) << task.prompt << " -> " << run.result.answer;
    EXPECT_EQ(outcome.invalid_calls, 0);
    EXPECT_EQ(outcome.tool_calls, static_cast<int>(task.questions.size()));
    EXPECT_EQ(outcome.needs_parallel, task.questions.size() > 1);
    EXPECT_EQ(outcome.parallel, task.questions.size() > 1);
    EXPECT_EQ(outcome.reasoning_tokens > 0, task.effort != TaskEffort::kNone);
  }
}

TEST_F(GradingTest, AWrongValueIsIncorrect) {
  Rng rng(2);
  const Task task = task_with_questions(1, rng);
  TaughtRun run = taught_run(task, rng);
  const std::string& expected = task.questions[0].expected[0];
  run.result.answer.replace(run.result.answer.find(expected), expected.size(), "@@");
  EXPECT_FALSE(grade_task(task, run.turns, run.result, registry_, *tokenizer_).correct);
  run = taught_run(task, rng);
  run.result.reason = agent::StopReason::kMaxTurns;
  EXPECT_FALSE(grade_task(task, run.turns, run.result, registry_, *tokenizer_).correct);
}

TEST_F(GradingTest, MalformedCallsAreInvalid) {
  const agent::ToolSpec& shell = registry_.find("shell")->spec();
  EXPECT_TRUE(call_is_valid(shell, R"({"command": "ls"})"));
  EXPECT_FALSE(call_is_valid(shell, R"({"command": "ls")"));
  EXPECT_FALSE(call_is_valid(shell, R"({"cmd": "ls"})"));
  EXPECT_FALSE(call_is_valid(shell, R"({"command": 3})"));
  EXPECT_FALSE(call_is_valid(shell, R"(["ls"])"));
  Rng rng(3);
  const Task task = task_with_questions(1, rng);
  TaughtRun run = taught_run(task, rng);
  run.turns[0].tool_calls[0].name = "python";
  EXPECT_EQ(grade_task(task, run.turns, run.result, registry_, *tokenizer_).invalid_calls, 1);
}

TEST_F(GradingTest, CallsSpreadOverTurnsAreNotParallel) {
  Rng rng(4);
  const Task task = task_with_questions(2, rng);
  TaughtRun run = taught_run(task, rng);
  agent::ModelTurn second = run.turns[0];
  second.tool_calls.erase(second.tool_calls.begin());
  run.turns[0].tool_calls.pop_back();
  run.turns.insert(run.turns.begin() + 1, second);
  const TaskOutcome outcome = grade_task(task, run.turns, run.result, registry_, *tokenizer_);
  EXPECT_TRUE(outcome.needs_parallel);
  EXPECT_FALSE(outcome.parallel);
  EXPECT_TRUE(outcome.correct);
}

}  // namespace
}  // namespace loom::curriculum
