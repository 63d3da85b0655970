// Curriculum conversations: rendered through the in-process agent's prompt
// path (each model call's prompt extends the text before it, so one training
// line is every call of a session), completions that the hermes parser reads
// back as the conversation's reasoning and tool calls, and reasoning that
// grows with the effort.
#include <gtest/gtest.h>

#include <sstream>

#include "chat/loom_template.h"
#include "chat/output_parser.h"
#include "curriculum/conversation.h"
#include "curriculum/corpus.h"
#include "reasoning/effort_policy.h"

namespace loom::curriculum {
namespace {

class ConversationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tokenizer = rendering_tokenizer();
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().to_string();
    tokenizer_ = std::move(*tokenizer);
    auto model = server::ServingModel::create(*tokenizer_, {});
    ASSERT_TRUE(model.ok());
    model_.emplace(std::move(*model));
    auto setup = make_agent_setup();
    ASSERT_TRUE(setup.ok()) << setup.status().to_string();
    setup_ = std::move(*setup);
  }
  std::unique_ptr<text::Tokenizer> tokenizer_;
  std::optional<server::ServingModel> model_;
  std::unique_ptr<AgentSetup> setup_;
};

TEST_F(ConversationTest, TheTemplateIsQwen3WithAThinkingSwitch) {
  EXPECT_EQ(model_->family(), chat::Family::kHermes);
  EXPECT_EQ(reasoning::reasoning_style(model_->family(), tokenizer_->chat_template()),
            reasoning::ReasoningStyle::kHybrid);
  EXPECT_EQ(tokenizer_->chat_template(), chat::loom_chat_template());
}

TEST_F(ConversationTest, CompletionsParseBackIntoTheConversation) {
  Rng rng(3);
  for (int index = 0; index < 100; ++index) {
    const Task task = generate_task(rng);
    const AgentConversation conversation = task_conversation(task, random_workspace_root(rng), rng);
    auto segments = conversation_segments(*model_, *setup_, conversation);
    ASSERT_TRUE(segments.ok()) << segments.status().to_string();
    ASSERT_EQ(segments->size(), 4u);  // prompt, calls, results + prompt, answer
    const bool thinking = task.effort != TaskEffort::kNone;
    size_t assistant = 0;
    for (const TextSegment& segment : *segments) {
      if (!segment.train) continue;
      while (conversation.items[assistant].kind != agent::ItemKind::kAssistant) ++assistant;
      const agent::Item& item = conversation.items[assistant++];
      ASSERT_TRUE(segment.text.ends_with("<|im_end|>"));
      const std::string output = segment.text.substr(0, segment.text.size() - std::string("<|im_end|>").size());
      chat::ParserOptions options{.starts_in_reasoning = thinking, .tool_names = curriculum_tool_names()};
      const chat::ParsedOutput parsed = chat::parse_output(chat::Family::kHermes, output, options);
      EXPECT_TRUE(parsed.errors.empty());
      EXPECT_EQ(parsed.reasoning, item.reasoning);
      EXPECT_EQ(parsed.content, item.text);
      ASSERT_EQ(parsed.tool_calls.size(), item.tool_calls.size());
      for (size_t call = 0; call < item.tool_calls.size(); ++call) {
        EXPECT_EQ(parsed.tool_calls[call].name, task.questions[call].tool);
        EXPECT_EQ(nlohmann::ordered_json::parse(parsed.tool_calls[call].arguments), task.questions[call].arguments);
      }
    }
  }
}

TEST_F(ConversationTest, ReasoningGrowsWithEffort) {
  Rng rng(9);
  std::map<TaskEffort, std::pair<size_t, int>> lengths;  // total reasoning bytes, tasks
  for (int index = 0; index < 400; ++index) {
    const Task task = generate_task(rng);
    const AgentConversation conversation = task_conversation(task, "/w", rng);
    size_t bytes = 0;
    for (const agent::Item& item : conversation.items) bytes += item.reasoning.size();
    lengths[task.effort].first += bytes;
    ++lengths[task.effort].second;
  }
  ASSERT_EQ(lengths.size(), 4u);
  const auto mean = [&](TaskEffort effort) { return double(lengths[effort].first) / lengths[effort].second; };
  EXPECT_EQ(mean(TaskEffort::kNone), 0.0);
  EXPECT_LT(mean(TaskEffort::kNone), mean(TaskEffort::kLow));
  EXPECT_LT(mean(TaskEffort::kLow), mean(TaskEffort::kMedium));
  EXPECT_LT(mean(TaskEffort::kMedium), mean(TaskEffort::kHigh));
}

TEST_F(ConversationTest, CorpusLinesAreSegmentsThatRepeatBySeed) {
  std::ostringstream first, second;
  ASSERT_TRUE(write_corpus({.tasks = 20, .seed = 4}, *model_, first).ok());
  ASSERT_TRUE(write_corpus({.tasks = 20, .seed = 4}, *model_, second).ok());
  EXPECT_EQ(first.str(), second.str());
  std::istringstream lines(first.str());
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    const auto parsed = nlohmann::json::parse(line);
    ASSERT_TRUE(parsed["segments"].is_array());
    bool train = true;
    for (const auto& segment : parsed["segments"]) {
      EXPECT_NE(segment["train"].get<bool>(), train);  // prompt and completion alternate
      train = segment["train"].get<bool>();
    }
    ++count;
  }
  EXPECT_EQ(count, 20);
}

// Short-prompt lines are the full lines with the system turn cut to its
// effort line: every other segment, and everything after the system turn,
// byte for byte the same.
TEST_F(ConversationTest, ShortPromptLinesKeepAllButTheSystemTurn) {
  std::ostringstream full, cut;
  ASSERT_TRUE(write_corpus({.tasks = 12, .seed = 9}, *model_, full).ok());
  ASSERT_TRUE(write_corpus({.tasks = 12, .seed = 9, .short_prompts = true}, *model_, cut).ok());
  std::istringstream full_lines(full.str()), cut_lines(cut.str());
  std::string full_line, cut_line;
  int count = 0;
  while (std::getline(full_lines, full_line)) {
    ASSERT_TRUE(std::getline(cut_lines, cut_line));
    const auto long_segments = nlohmann::json::parse(full_line)["segments"];
    const auto short_segments = nlohmann::json::parse(cut_line)["segments"];
    ASSERT_EQ(long_segments.size(), short_segments.size());
    for (size_t index = 1; index < long_segments.size(); ++index) EXPECT_EQ(long_segments[index], short_segments[index]);
    const std::string long_prompt = long_segments[0]["text"];
    const std::string short_prompt = short_segments[0]["text"];
    ASSERT_TRUE(short_prompt.starts_with("<|im_start|>system\nReasoning effort: ")) << short_prompt;
    const size_t user = short_prompt.find("<|im_start|>user\n");
    ASSERT_NE(user, std::string::npos);
    EXPECT_TRUE(long_prompt.ends_with(short_prompt.substr(user)));
    EXPECT_EQ(short_prompt.find("<tools>"), std::string::npos);
    EXPECT_LT(short_prompt.size() * 4, long_prompt.size());
    ++count;
  }
  EXPECT_EQ(count, 12);
}

TEST(ShortenSystemTurn, KeepsTheEffortLineOrDropsTheTurn) {
  EXPECT_EQ(shorten_system_turn("<|im_start|>system\nBe brief.\nReasoning effort: high<|im_end|>\n<|im_start|>user\nhi"),
            "<|im_start|>system\nReasoning effort: high<|im_end|>\n<|im_start|>user\nhi");
  EXPECT_EQ(shorten_system_turn("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhi"), "<|im_start|>user\nhi");
  // The words inside a line are not an effort line.
  EXPECT_EQ(shorten_system_turn("<|im_start|>system\nSay Reasoning effort: x<|im_end|>\nrest"), "rest");
  // No system turn, or one that never ends: unchanged.
  EXPECT_EQ(shorten_system_turn("<|im_start|>user\nhi<|im_end|>\n"), "<|im_start|>user\nhi<|im_end|>\n");
  EXPECT_EQ(shorten_system_turn("<|im_start|>system\nno end"), "<|im_start|>system\nno end");
  EXPECT_EQ(shorten_system_turn(""), "");
}

}  // namespace
}  // namespace loom::curriculum
