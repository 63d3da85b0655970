// Template::parse (lexer + parser) and Template::render (interpreter).
#include "jinja/template.h"

#include "jinja/interpreter.h"
#include "jinja/lexer.h"
#include "jinja/parser.h"

namespace loom::jinja {

Result<Template> Template::parse(std::string_view source, const ParseOptions& options) {
  LexOptions lex_options;
  lex_options.trim_blocks = options.trim_blocks;
  lex_options.lstrip_blocks = options.lstrip_blocks;
  std::vector<Token> tokens = TRY(tokenize(source, lex_options));
  Program program = TRY(parse_tokens(std::move(tokens), options.max_nesting));
  return Template(std::make_shared<const Program>(std::move(program)));
}

Result<std::string> Template::render(const nlohmann::ordered_json& context, const RenderOptions& options) const {
  return render_json(context, options);
}

Result<std::string> Template::render(const nlohmann::json& context, const RenderOptions& options) const {
  return render_json(context, options);
}

template <typename Json>
Result<std::string> Template::render_json(const Json& context, const RenderOptions& options) const {
  if (!context.is_object() && !context.is_null()) return invalid_argument("template context must be a JSON object");
  Runtime runtime(options.limits, options.now);
  std::string out;
  {
    Interpreter interpreter(runtime);
    if (context.is_object()) {
      for (const auto& [key, value] : context.items()) {
        interpreter.set_global(key, TRY(value_from_json(value, runtime.heap())));
      }
    }
    TRY(interpreter.render(*program_, out));
  }
  return out;
}

}  // namespace loom::jinja
