// Template: the public face of loom's Jinja engine. Parse once, render many
// times with a JSON context. Semantics follow Hugging Face chat templates
// (trim_blocks and lstrip_blocks on, @huggingface/jinja as the reference).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "jinja/runtime.h"

namespace loom::jinja {

struct Program;

struct ParseOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
  int max_nesting = Limits{}.max_nesting;
};

struct RenderOptions {
  Limits limits;
  // What strftime_now() formats (as UTC); unset: the current local time.
  std::optional<std::chrono::system_clock::time_point> now;
};

class Template {
 public:
  // Syntax errors are invalid_argument with "line:column"; nesting deeper than
  // max_nesting is resource_exhausted.
  static Result<Template> parse(std::string_view source, const ParseOptions& options = {});

  // `context` must be a JSON object; its keys become template variables.
  // Errors name the line:column of the failing expression; raise_exception()
  // gives invalid_argument "... raised: <message>"; exceeded limits give
  // resource_exhausted naming the limit.
  // ordered_json keeps the input's key order (what `tojson` prints); plain
  // nlohmann::json sorts keys.
  Result<std::string> render(const nlohmann::ordered_json& context, const RenderOptions& options = {}) const;
  Result<std::string> render(const nlohmann::json& context, const RenderOptions& options = {}) const;

 private:
  explicit Template(std::shared_ptr<const Program> program) : program_(std::move(program)) {}
  template <typename Json>
  Result<std::string> render_json(const Json& context, const RenderOptions& options) const;
  std::shared_ptr<const Program> program_;
};

}  // namespace loom::jinja
