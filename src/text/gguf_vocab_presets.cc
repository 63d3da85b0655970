// tokenizer.ggml.pre names -> pre-tokenizer regexes (patterns as the models'
// tokenizer.json files spell them).
#include "text/gguf_vocab_presets.h"

namespace loom::text {
namespace {

constexpr std::string_view kLlama3Pattern =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr std::string_view kQwen2Pattern =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr std::string_view kO200kPattern =
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+"
    "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr std::string_view kDeepSeekV3Digits = "\\p{N}{1,3}";
// CJK ideographs, hiragana, katakana.
constexpr std::string_view kDeepSeekV3Cjk =
    "[\xE4\xB8\x80-\xE9\xBE\xA5\xE3\x81\x80-\xE3\x82\x9F\xE3\x82\xA0-\xE3\x83\xBF]+";
// DeepSeek's file holds literal CR and LF characters inside the classes.
constexpr std::string_view kDeepSeekV3Main =
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+|"
    " ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";

const std::vector<PreTokenizerPreset>& presets() {
  static const std::vector<PreTokenizerPreset> kPresets = {
      {"gpt2", {kGpt2SplitPattern}, false, false},
      {"llama-bpe", {kLlama3Pattern}, false, true},
      {"qwen2", {kQwen2Pattern}, true, false},
      {"deepseek-r1-qwen", {kQwen2Pattern}, true, false},
      {"deepseek-v3", {kDeepSeekV3Digits, kDeepSeekV3Cjk, kDeepSeekV3Main}, false, false},
      {"gpt-4o", {kO200kPattern}, false, true},
  };
  return kPresets;
}

}  // namespace

std::optional<PreTokenizerPreset> find_pre_tokenizer_preset(std::string_view name) {
  // Files without a name (or "default") predate the key: GPT-2's pattern.
  if (name.empty() || name == "default") name = "gpt2";
  for (const PreTokenizerPreset& preset : presets()) {
    if (preset.name == name) return preset;
  }
  return std::nullopt;
}

std::optional<PreTokenizerPreset> preset_of_spec(const TokenizerSpec& spec) {
  std::vector<std::string_view> patterns;
  for (const PreTokenizerStep& step : spec.pre_tokenizer) {
    if (step.kind == PreTokenizerStep::Kind::kSplit && step.is_regex && !step.invert &&
        step.behavior == SplitBehavior::kIsolated) {
      patterns.push_back(step.pattern);
    } else if (step.kind == PreTokenizerStep::Kind::kByteLevel && !step.add_prefix_space) {
      if (step.use_regex) patterns.push_back(kGpt2SplitPattern);
    } else {
      return std::nullopt;
    }
  }
  bool nfc = false;
  for (const NormalizerStep& step : spec.normalizer) {
    if (step.kind != NormalizerStep::Kind::kNfc) return std::nullopt;
    nfc = true;
  }
  for (const PreTokenizerPreset& preset : presets()) {
    if (preset.split_patterns == patterns && preset.nfc == nfc && preset.ignore_merges == spec.bpe.ignore_merges) {
      return preset;
    }
  }
  return std::nullopt;
}

std::vector<PreTokenizerStep> preset_pre_tokenizer(const PreTokenizerPreset& preset) {
  std::vector<PreTokenizerStep> steps;
  for (std::string_view pattern : preset.split_patterns) {
    PreTokenizerStep step;
    step.kind = PreTokenizerStep::Kind::kSplit;
    step.pattern = std::string(pattern);
    steps.push_back(std::move(step));
  }
  PreTokenizerStep byte_level;
  byte_level.kind = PreTokenizerStep::Kind::kByteLevel;
  steps.push_back(byte_level);
  return steps;
}

}  // namespace loom::text
