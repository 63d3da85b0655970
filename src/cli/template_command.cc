// `loom template`: renders a conversation with a model's chat template (from a
// tokenizer_config.json or a GGUF file) and prints the prompt, exactly as the
// runtime will tokenize it. `--harmony` uses the native gpt-oss renderer.
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "chat/chat_template.h"
#include "chat/harmony_renderer.h"
#include "cli/commands.h"
#include "cli/engine_options.h"
#include "model/gguf_file.h"

namespace loom::cli {
namespace {

using Json = nlohmann::ordered_json;

struct TemplateOptions {
  std::string config_path;
  std::string messages_path;
  std::string tools_path;
  std::string kwargs = "{}";
  std::string date;  // YYYY-MM-DD for strftime_now / harmony's Current date
  std::string effort = "medium";
  bool add_generation_prompt = false;
  bool harmony = false;
};

struct TemplateSource {
  std::string chat_template;
  std::string bos_token;
  std::string eos_token;
};

Result<std::string> read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return not_found("cannot open ", path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

Result<Json> read_json_file(const std::string& path) {
  const std::string text = TRY(read_file(path));
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return invalid_argument(path, ": not valid JSON");
  return json;
}

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Result<TemplateSource> load_gguf_template(const std::string& path) {
  const model::GgufFile file = TRY(model::GgufFile::open(path));
  TemplateSource source;
  const model::GgufValue* chat_template = file.find("tokenizer.chat_template");
  if (chat_template == nullptr || !chat_template->as_string()) return not_found(path, " has no tokenizer.chat_template");
  source.chat_template = std::string(*chat_template->as_string());
  const model::GgufValue* tokens = file.find("tokenizer.ggml.tokens");
  const auto token_text = [&](const char* key) -> std::string {
    const model::GgufValue* id = file.find(key);
    if (id == nullptr || tokens == nullptr || !id->as_int()) return "";
    const auto& strings = tokens->as_string_array();
    const int64_t index = *id->as_int();
    return index >= 0 && static_cast<size_t>(index) < strings.size() ? std::string(strings[static_cast<size_t>(index)]) : "";
  };
  source.bos_token = token_text("tokenizer.ggml.bos_token_id");
  source.eos_token = token_text("tokenizer.ggml.eos_token_id");
  return source;
}

Result<TemplateSource> load_template_source(const std::string& path, bool need_template) {
  if (ends_with(path, ".gguf")) return load_gguf_template(path);
  const Json config = TRY(read_json_file(path));
  if (!config.is_object()) return invalid_argument(path, ": expected a JSON object");
  TemplateSource source;
  source.bos_token = chat::special_token_text(config.value("bos_token", Json()));
  source.eos_token = chat::special_token_text(config.value("eos_token", Json()));
  const auto found = config.find("chat_template");
  if (found != config.end() && found->is_string()) {
    source.chat_template = found->get<std::string>();
  } else if (found != config.end() && found->is_array()) {
    // Named templates: [{"name": "default", "template": "..."}, ...]
    for (const auto& entry : *found) {
      if (entry.is_object() && entry.value("name", "") == "default" && entry.contains("template")) {
        source.chat_template = entry["template"].get<std::string>();
      }
    }
  }
  if (need_template && source.chat_template.empty()) {
    return not_found(path, " has no chat_template (for gpt-oss models use --harmony)");
  }
  return source;
}

// "2024-07-26" -> that day at 00:00 UTC.
Result<std::chrono::system_clock::time_point> parse_date(const std::string& date) {
  std::tm parts{};
  if (std::sscanf(date.c_str(), "%4d-%2d-%2d", &parts.tm_year, &parts.tm_mon, &parts.tm_mday) != 3) {
    return invalid_argument("--date must be YYYY-MM-DD, got '", date, "'");
  }
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  return std::chrono::system_clock::from_time_t(timegm(&parts));
}

Status run_template(const TemplateOptions& options) {
  const TemplateSource source = TRY(load_template_source(options.config_path, !options.harmony));
  const Json messages = TRY(read_json_file(options.messages_path));
  const Json tools = options.tools_path.empty() ? Json() : TRY(read_json_file(options.tools_path));
  const Json kwargs = Json::parse(options.kwargs, nullptr, /*allow_exceptions=*/false);
  if (kwargs.is_discarded() || !kwargs.is_object()) return invalid_argument("--kwargs must be a JSON object");

  std::string prompt;
  if (options.harmony) {
    chat::HarmonyOptions harmony;
    harmony.add_generation_prompt = options.add_generation_prompt;
    harmony.current_date = options.date;
    if (options.effort == "low") harmony.effort = chat::HarmonyEffort::kLow;
    else if (options.effort == "high") harmony.effort = chat::HarmonyEffort::kHigh;
    else if (options.effort != "medium") return invalid_argument("--effort must be low, medium or high");
    prompt = TRY(chat::render_harmony(messages, tools, harmony));
  } else {
    chat::ChatTemplateInputs inputs;
    inputs.messages = messages;
    inputs.tools = tools;
    inputs.add_generation_prompt = options.add_generation_prompt;
    inputs.bos_token = source.bos_token;
    inputs.eos_token = source.eos_token;
    inputs.extra_kwargs = kwargs;
    if (!options.date.empty()) inputs.now = TRY(parse_date(options.date));
    prompt = TRY(chat::render_chat(source.chat_template, inputs));
  }
  std::fwrite(prompt.data(), 1, prompt.size(), stdout);
  return {};
}

}  // namespace

void add_template_command(CLI::App& app, ExitCode& exit_code) {
  auto options = std::make_shared<TemplateOptions>();
  CLI::App* command = app.add_subcommand("template", "Render messages with a model's chat template and print the prompt");
  command->add_option("--tokenizer-config", options->config_path, "tokenizer_config.json or a .gguf file")
      ->required()->check(CLI::ExistingFile);
  command->add_option("--messages", options->messages_path, "JSON file with the messages array (OpenAI shape)")
      ->required()->check(CLI::ExistingFile);
  command->add_option("--tools", options->tools_path, "JSON file with the tools array")->check(CLI::ExistingFile);
  command->add_flag("--add-generation-prompt", options->add_generation_prompt, "End with the assistant turn header");
  command->add_option("--kwargs", options->kwargs, "Extra template variables as a JSON object, e.g. '{\"enable_thinking\": false}'");
  command->add_option("--date", options->date, "Fixed date YYYY-MM-DD for strftime_now (and harmony's Current date)");
  command->add_flag("--harmony", options->harmony, "Use the native gpt-oss harmony renderer instead of the Jinja template");
  command->add_option("--effort", options->effort, "Harmony reasoning effort: low, medium or high");
  command->callback([options, &exit_code] {
    if (Status status = run_template(*options); !status.ok()) exit_code.value = report_error(status);
  });
}

}  // namespace loom::cli
