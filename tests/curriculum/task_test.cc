// Curriculum tasks: the tool outputs the generator computes are what the real
// tools print on the written workspace (shell through bash in the sandbox,
// the calculator tool), tasks repeat by seed, and every answer states what
// grading expects.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <regex>

#include "agent/sandbox.h"
#include "agent/tool.h"
#include "curriculum/conversation.h"
#include "curriculum/task.h"

namespace loom::curriculum {
namespace {

std::string without_wall_time(const std::string& text) {
  return std::regex_replace(text, std::regex("Wall time: [0-9.]+ seconds"), "Wall time: X seconds");
}

class TaskToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("loom_curriculum_tasks_" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
};

TEST_F(TaskToolsTest, GeneratedOutputsAreWhatTheRealToolsPrint) {
  auto registry = agent::make_tool_registry(curriculum_tool_names());
  ASSERT_TRUE(registry.ok()) << registry.status().to_string();
  const agent::SandboxMode mode =
      agent::check_sandbox_available().ok() ? agent::SandboxMode::kWorkspaceWrite : agent::SandboxMode::kFullAccess;
  Rng rng(20261206);
  int checked_shell = 0, checked_calculator = 0;
  for (int index = 0; index < 40; ++index) {
    const Task task = generate_task(rng);
    const std::filesystem::path dir = root_ / std::to_string(index);
    std::filesystem::create_directories(dir);
    ASSERT_TRUE(write_workspace(task.workspace, dir).ok());
    auto workspace = agent::Workspace::open(dir, mode);
    ASSERT_TRUE(workspace.ok());
    agent::ToolContext context(std::move(*workspace), agent::ApprovalPolicy::kNever, nullptr);
    for (const SubQuestion& question : task.questions) {
      SCOPED_TRACE(question.question);
      const agent::Tool* tool = registry->find(question.tool);
      ASSERT_NE(tool, nullptr);
      agent::ToolCall call{.call_id = "c", .name = question.tool, .arguments = question.arguments};
      auto output = tool->run(call, context);
      ASSERT_TRUE(output.ok()) << output.status().to_string();
      EXPECT_FALSE(output->is_error) << output->text;
      if (question.tool == "shell") {
        EXPECT_EQ(without_wall_time(output->text), without_wall_time(shell_result_text(question.output, 0)));
        ++checked_shell;
      } else {
        EXPECT_EQ(output->text, question.output);
        ++checked_calculator;
      }
    }
  }
  EXPECT_GT(checked_shell, 30);
  EXPECT_GT(checked_calculator, 10);
}

TEST(Tasks, RepeatBySeedAndDifferAcrossSeeds) {
  Rng first(5), second(5), other(6);
  int differing = 0;
  for (int index = 0; index < 50; ++index) {
    const Task a = generate_task(first), b = generate_task(second), c = generate_task(other);
    EXPECT_EQ(a.prompt, b.prompt);
    EXPECT_EQ(a.workspace.files.size(), b.workspace.files.size());
    differing += a.prompt != c.prompt;
  }
  EXPECT_GT(differing, 45);
}

TEST(Tasks, AnswersStateWhatGradingExpects) {
  Rng rng(11);
  std::map<QuestionKind, int> kinds;
  std::map<size_t, int> sizes;
  for (int index = 0; index < 500; ++index) {
    const Task task = generate_task(rng);
    ASSERT_GE(task.questions.size(), 1u);
    ASSERT_LE(task.questions.size(), 3u);
    ++sizes[task.questions.size()];
    for (const SubQuestion& question : task.questions) {
      ++kinds[question.kind];
      EXPECT_NE(task.prompt.find(question.question), std::string::npos);
      for (const std::string& expected : question.expected) EXPECT_NE(question.answer.find(expected), std::string::npos);
    }
  }
  EXPECT_EQ(kinds.size(), 7u);  // every kind occurs
  EXPECT_EQ(sizes.size(), 3u);
}

TEST(Tasks, QuestionWeightsChangeTheMix) {
  TaskOptions notes_only;
  notes_only.weights.fill(0);
  ASSERT_TRUE(set_question_weight("read_note=5", notes_only.weights).ok());
  Rng rng(12);
  for (int index = 0; index < 100; ++index) {
    const Task task = generate_task(rng, notes_only);
    ASSERT_GE(task.questions.size(), 1u);  // a workspace without a note is drawn again
    for (const SubQuestion& question : task.questions) EXPECT_EQ(question.kind, QuestionKind::kReadNote);
  }

  TaskOptions more_notes;
  ASSERT_TRUE(set_question_weight("read_note=50", more_notes.weights).ok());
  Rng plain_rng(13), weighted_rng(13);
  int plain = 0, weighted = 0;
  for (int index = 0; index < 400; ++index) {
    for (const SubQuestion& question : generate_task(plain_rng).questions) plain += question.kind == QuestionKind::kReadNote;
    for (const SubQuestion& question : generate_task(weighted_rng, more_notes).questions) {
      weighted += question.kind == QuestionKind::kReadNote;
    }
  }
  EXPECT_GT(weighted, 3 * plain);
}

TEST(Tasks, MalformedQuestionWeightsAreRefused) {
  QuestionWeights weights = kDefaultQuestionWeights;
  for (const char* bad : {"read_note", "read_note=", "read_note=-1", "read_note=x", "read_note=2000", "notes=3", "=3",
                          "read_note=3x"}) {
    const Status status = set_question_weight(bad, weights);
    EXPECT_FALSE(status.ok()) << bad;
    EXPECT_NE(status.message().find("question weight"), std::string::npos) << status.message();
  }
  EXPECT_NE(set_question_weight("notes=3", weights).message().find("read_note"), std::string::npos);
  EXPECT_EQ(weights, kDefaultQuestionWeights);
  ASSERT_TRUE(set_question_weight("arithmetic=0", weights).ok());
  EXPECT_EQ(weights[static_cast<int>(QuestionKind::kArithmetic)], 0);
}

}  // namespace
}  // namespace loom::curriculum
