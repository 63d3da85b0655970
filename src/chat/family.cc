// Family names and detection from GGUF metadata.
#include "chat/family.h"

#include <array>
#include <string>
#include <utility>

namespace loom::chat {
namespace {

constexpr std::array<std::pair<std::string_view, Family>, 16> kFamilyNames = {{
    {"plain", Family::kPlain},
    {"none", Family::kPlain},
    {"hermes", Family::kHermes},
    {"qwen3", Family::kHermes},
    {"qwen", Family::kHermes},
    {"llama3", Family::kLlama3},
    {"llama3.1", Family::kLlama3},
    {"llama", Family::kLlama3},
    {"mistral", Family::kMistral},
    {"deepseek", Family::kDeepSeek},
    {"deepseek-r1", Family::kDeepSeek},
    {"deepseek-v3", Family::kDeepSeek},
    {"harmony", Family::kHarmony},
    {"gpt-oss", Family::kHarmony},
    {"gptoss", Family::kHarmony},
    {"gpt_oss", Family::kHarmony},
}};

bool contains(std::string_view text, std::string_view needle) { return text.find(needle) != std::string_view::npos; }

}  // namespace

std::string_view family_name(Family family) {
  switch (family) {
    case Family::kPlain: return "plain";
    case Family::kHermes: return "hermes";
    case Family::kLlama3: return "llama3";
    case Family::kMistral: return "mistral";
    case Family::kDeepSeek: return "deepseek";
    case Family::kHarmony: return "harmony";
  }
  return "unknown";
}

Result<Family> parse_family(std::string_view name) {
  std::string lower(name);
  for (char& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  for (const auto& [text, family] : kFamilyNames)
    if (text == lower) return family;
  return invalid_argument("unknown chat format \"", name,
                          "\" (known: plain, hermes, qwen3, llama3, mistral, deepseek, harmony, gpt-oss)");
}

Family detect_family(std::string_view architecture, std::string_view chat_template) {
  if (architecture == "gpt-oss" || architecture == "gptoss") return Family::kHarmony;
  // Most specific first: a DeepSeek or harmony template never holds the others'
  // markers, but a Mistral template may mention <think>-style words.
  if (contains(chat_template, "<|channel|>")) return Family::kHarmony;
  if (contains(chat_template, "tool\xE2\x96\x81""calls\xE2\x96\x81""begin")) return Family::kDeepSeek;
  if (contains(chat_template, "[TOOL_CALLS]")) return Family::kMistral;
  if (contains(chat_template, "<|python_tag|>")) return Family::kLlama3;
  if (contains(chat_template, "<tool_call>")) return Family::kHermes;
  if (contains(chat_template, "<\xEF\xBD\x9C" "Assistant\xEF\xBD\x9C>")) return Family::kDeepSeek;
  if (contains(chat_template, "<think>")) return Family::kHermes;
  if (contains(chat_template, "<|start_header_id|>")) return Family::kLlama3;
  return Family::kPlain;
}

}  // namespace loom::chat
