// Hugging Face tokenizer files -> GGUF tokenizer metadata under llama.cpp's
// key names, so that loom and llama.cpp can both load the result.
#include <string>
#include <unordered_map>

#include "text/gguf_vocab.h"
#include "text/gguf_vocab_presets.h"
#include "text/hf_tokenizer_loader.h"

namespace loom::text {
namespace {

constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";  // U+2581

// SentencePiece-style specs map to GGUF "llama" only in the shape Llama 2 and
// Gemma use: [Prepend U+2581] + Replace(' ' -> U+2581), no pre-tokenizer but an
// inert split on spaces.
Result<bool> sentencepiece_add_space_prefix(const TokenizerSpec& spec) {
  bool prepend = false, replace = false;
  for (const NormalizerStep& step : spec.normalizer) {
    if (step.kind == NormalizerStep::Kind::kPrepend && step.content == kSpaceMarker && !replace) prepend = true;
    else if (step.kind == NormalizerStep::Kind::kReplace && step.pattern == " " && step.content == kSpaceMarker) replace = true;
    else return unimplemented("normalizer step has no GGUF \"llama\" equivalent");
  }
  if (!replace) return unimplemented("SentencePiece-style tokenizer without the ' ' -> U+2581 normalizer");
  for (const PreTokenizerStep& step : spec.pre_tokenizer) {
    if (!(step.kind == PreTokenizerStep::Kind::kSplit && !step.is_regex && step.pattern == " ")) {
      return unimplemented("pre-tokenizer step has no GGUF \"llama\" equivalent");
    }
  }
  if (!spec.bpe.byte_fallback) return unimplemented("SentencePiece-style tokenizer without byte fallback");
  return prepend;
}

// Scores that make score-ordered merging follow the merge ranks: a token
// scores minus the rank of the first merge producing it.
std::vector<float> scores_from_merges(const TokenizerSpec& spec) {
  constexpr float kUnmerged = -1e9f;
  std::vector<float> scores(spec.pieces.size(), kUnmerged);
  for (size_t rank = 0; rank < spec.merges.size(); ++rank) {
    float& score = scores[spec.merges[rank].merged];
    if (score == kUnmerged) score = -static_cast<float>(rank + 1);
  }
  // Control and user-defined tokens that no merge builds score like
  // SentencePiece's own (0); they are matched before BPE anyway.
  for (const AddedToken& token : spec.added_tokens) {
    if (scores[token.id] == kUnmerged) scores[token.id] = 0.0f;
  }
  return scores;
}

// Both single-id or empty: GGUF can say "add bos" and "add eos", nothing more.
Result<std::pair<bool, bool>> special_flags(const TokenizerSpec& spec) {
  const bool add_bos = !spec.prefix_ids.empty();
  const bool add_eos = !spec.suffix_ids.empty();
  if (spec.prefix_ids.size() > 1 || (add_bos && spec.prefix_ids[0] != spec.bos_id)) {
    return unimplemented("special tokens before the text other than bos");
  }
  if (spec.suffix_ids.size() > 1 || (add_eos && spec.suffix_ids[0] != spec.eos_id)) {
    return unimplemented("special tokens after the text other than eos");
  }
  return std::pair{add_bos, add_eos};
}

}  // namespace

Status write_gguf_tokenizer(const TokenizerSpec& spec, model::GgufWriter& writer) {
  const bool byte_level = spec.bpe.alphabet == BpeConfig::Alphabet::kBytes;
  const auto [add_bos, add_eos] = TRY(special_flags(spec));
  std::vector<std::string> tokens(spec.pieces.size());
  std::vector<int32_t> types(spec.pieces.size());
  for (size_t id = 0; id < spec.pieces.size(); ++id) {
    types[id] = static_cast<int32_t>(spec.types[id]);
    // Unused ids get a unique placeholder, as llama.cpp's converter writes.
    tokens[id] = spec.types[id] == TokenType::kUnused ? "[PAD" + std::to_string(id) + "]" : spec.pieces[id];
  }
  if (byte_level) {
    auto preset = preset_of_spec(spec);
    if (!preset) return unimplemented("the pre-tokenizer matches no GGUF tokenizer.ggml.pre name loom knows");
    writer.set_string("tokenizer.ggml.model", "gpt2");
    writer.set_string("tokenizer.ggml.pre", preset->name);
    std::vector<std::string> merges;
    merges.reserve(spec.merges.size());
    for (const BpeMerge& merge : spec.merges) merges.push_back(spec.pieces[merge.left] + " " + spec.pieces[merge.right]);
    writer.set_string_array("tokenizer.ggml.tokens", tokens);
    writer.set_int32_array("tokenizer.ggml.token_type", types);
    writer.set_string_array("tokenizer.ggml.merges", merges);
  } else {
    const bool add_space_prefix = TRY(sentencepiece_add_space_prefix(spec));
    writer.set_string("tokenizer.ggml.model", "llama");
    writer.set_string("tokenizer.ggml.pre", "default");
    const std::vector<float> scores = scores_from_merges(spec);
    writer.set_string_array("tokenizer.ggml.tokens", tokens);
    writer.set_float32_array("tokenizer.ggml.scores", scores);
    writer.set_int32_array("tokenizer.ggml.token_type", types);
    writer.set_bool("tokenizer.ggml.add_space_prefix", add_space_prefix);
  }
  if (spec.bos_id) writer.set_uint32("tokenizer.ggml.bos_token_id", *spec.bos_id);
  if (spec.eos_id) writer.set_uint32("tokenizer.ggml.eos_token_id", *spec.eos_id);
  if (spec.unk_id) writer.set_uint32("tokenizer.ggml.unknown_token_id", *spec.unk_id);
  if (spec.pad_id) writer.set_uint32("tokenizer.ggml.padding_token_id", *spec.pad_id);
  writer.set_bool("tokenizer.ggml.add_bos_token", add_bos);
  writer.set_bool("tokenizer.ggml.add_eos_token", add_eos);
  if (!spec.chat_template.empty()) writer.set_string("tokenizer.chat_template", spec.chat_template);
  return Status::ok_status();
}

Status write_gguf_tokenizer(const std::string& tokenizer_json_path, const std::string& tokenizer_config_path,
                            model::GgufWriter& writer) {
  const TokenizerSpec spec = TRY(load_hf_tokenizer(tokenizer_json_path, tokenizer_config_path));
  return write_gguf_tokenizer(spec, writer);
}

}  // namespace loom::text
