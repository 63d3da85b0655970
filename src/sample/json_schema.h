// JSON Schema -> grammar: compiles a schema (tool parameters, response_format) into
// a rule of a GrammarBuilder, so envelopes can embed it. See docs/grammar.md for the
// supported keywords; unsupported ones are errors naming the keyword and its path.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sample/grammar.h"

namespace loom::sample {

struct JsonSchemaOptions {
  // What an object schema without `additionalProperties` allows. OpenAI strict
  // mode requires `false`, and tool arguments with invented keys are useless, so
  // the default forbids extra keys.
  bool additional_properties_by_default = false;
  // Berkeley Function Calling Leaderboard spellings: "dict" = object, "float" =
  // number, "tuple" = array, "any" = any value; the "optional" keyword is ignored.
  bool accept_bfcl_types = true;
  // Optional whitespace between tokens is "", " " or "\n" plus up to this many
  // spaces or tabs: bounded, so a model cannot spin on whitespace forever.
  int max_indent = 20;
};

class JsonSchemaCompiler {
 public:
  explicit JsonSchemaCompiler(GrammarBuilder& builder, JsonSchemaOptions options = {});

  // Compiles `schema` into a rule named after `name` that matches one JSON value
  // (no surrounding whitespace). `$ref`s resolve against `schema` itself. Parse
  // schemas as ordered_json: properties are generated in their declared order.
  Result<GrammarBuilder::RuleId> compile(const nlohmann::ordered_json& schema, std::string_view name);

  // Building blocks shared by every schema compiled with this builder.
  GrammarBuilder::RuleId whitespace();
  GrammarBuilder::RuleId any_value();
  GrammarBuilder::RuleId any_object();
  GrammarBuilder::RuleId string();

 private:
  using Expr = GrammarBuilder::Expr;
  using RuleId = GrammarBuilder::RuleId;

  Result<Expr> value(const nlohmann::ordered_json& schema, const std::string& path);
  Result<Expr> value_at_depth(const nlohmann::ordered_json& schema, const std::string& path);
  Result<Expr> typed(const nlohmann::ordered_json& schema, std::string_view type, const std::string& path);
  Result<Expr> object(const nlohmann::ordered_json& schema, const std::string& path);
  Result<Expr> array(const nlohmann::ordered_json& schema, const std::string& path);
  Result<Expr> string_value(const nlohmann::ordered_json& schema, const std::string& path);
  Result<Expr> integer(const nlohmann::ordered_json& schema, const std::string& path);
  Result<Expr> number(const nlohmann::ordered_json& schema, const std::string& path);
  Result<Expr> reference(const std::string& pointer, const std::string& path);
  Result<nlohmann::ordered_json> merge_all_of(const nlohmann::ordered_json& schema, const std::string& path);
  Status check_keywords(const nlohmann::ordered_json& schema, const std::string& path);
  RuleId shared_rule(std::string_view name, Expr (JsonSchemaCompiler::*make)());

  Expr make_whitespace();
  Expr make_string();
  Expr make_string_char();
  Expr make_number();
  Expr make_integer();
  Expr make_value();
  Expr make_object();
  Expr make_array();

  GrammarBuilder& builder_;
  JsonSchemaOptions options_;
  const nlohmann::ordered_json* root_ = nullptr;
  std::string name_;
  std::map<std::string, RuleId> refs_;
  int depth_ = 0;  // "#/$defs/x" -> rule, per compiled root
};

// A whole grammar for one JSON value matching `schema`.
Result<Grammar> json_schema_grammar(const nlohmann::ordered_json& schema, const JsonSchemaOptions& options = {});

// A grammar for any JSON object (response_format json_object).
Grammar json_object_grammar();

}  // namespace loom::sample
