// Reads tokenizer.ggml.* metadata into a TokenizerSpec with the same
// normalizer, pre-tokenizer, decoder and special-token rules the Hugging Face
// files of those models use.
#include "text/gguf_vocab.h"

#include <algorithm>
#include <unordered_map>

#include "text/gguf_vocab_presets.h"
#include "text/tokenizer.h"

namespace loom::text {
namespace {

constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";  // U+2581

DecoderStep decoder_step(DecoderStep::Kind kind) {
  DecoderStep step;
  step.kind = kind;
  return step;
}

Result<std::optional<int32_t>> optional_id(const model::GgufFile& file, std::string_view key, size_t vocab_size) {
  const model::GgufValue* value = file.find(key);
  if (value == nullptr) return std::optional<int32_t>();
  auto id = value->as_int();
  if (!id) return invalid_argument(key, " is not an integer");
  // Some converters write -1 (or the vocabulary size) for "none".
  if (*id < 0 || static_cast<uint64_t>(*id) >= vocab_size) return std::optional<int32_t>();
  return std::optional<int32_t>(static_cast<int32_t>(*id));
}

Result<bool> optional_bool(const model::GgufFile& file, std::string_view key, bool fallback) {
  const model::GgufValue* value = file.find(key);
  if (value == nullptr) return fallback;
  auto flag = value->as_bool();
  if (!flag) return invalid_argument(key, " is not a boolean");
  return *flag;
}

// SentencePiece merges any two adjacent symbols whose concatenation is a
// token, highest score first and leftmost on ties. That is BPE with one merge
// per (left, right) split of each token, ranked by the token's score.
void derive_merges_from_scores(TokenizerSpec& spec) {
  std::unordered_map<std::string_view, int32_t> ids;
  const auto mergeable = [&](size_t id) {
    return spec.types[id] == TokenType::kNormal || spec.types[id] == TokenType::kUserDefined;
  };
  for (size_t id = 0; id < spec.pieces.size(); ++id) {
    if (mergeable(id)) ids.emplace(spec.pieces[id], static_cast<int32_t>(id));
  }
  std::vector<float> distinct = spec.scores;
  std::sort(distinct.begin(), distinct.end(), std::greater<float>());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  const auto rank_of = [&](float score) {
    return static_cast<uint32_t>(std::lower_bound(distinct.begin(), distinct.end(), score, std::greater<float>()) -
                                 distinct.begin());
  };
  for (size_t id = 0; id < spec.pieces.size(); ++id) {
    if (!mergeable(id)) continue;
    const std::string_view piece = spec.pieces[id];
    for (size_t split = 1; split < piece.size(); ++split) {
      if ((static_cast<uint8_t>(piece[split]) & 0xC0) == 0x80) continue;  // inside a character
      auto left = ids.find(piece.substr(0, split));
      auto right = ids.find(piece.substr(split));
      if (left == ids.end() || right == ids.end()) continue;
      spec.merges.push_back({left->second, right->second, static_cast<int32_t>(id)});
      spec.merge_ranks.push_back(rank_of(spec.scores[id]));
    }
  }
}

Status read_byte_level(const model::GgufFile& file, TokenizerSpec& spec) {
  const model::GgufValue* pre_value = file.find("tokenizer.ggml.pre");
  std::string_view pre_name;
  if (pre_value != nullptr) pre_name = pre_value->as_string().value_or("");
  auto preset = find_pre_tokenizer_preset(pre_name);
  if (!preset) return unimplemented("tokenizer.ggml.pre '", pre_name, "' is not a pre-tokenizer loom knows");
  spec.pre_tokenizer = preset_pre_tokenizer(*preset);
  if (preset->nfc) spec.normalizer.push_back({NormalizerStep::Kind::kNfc, "", ""});
  spec.bpe.alphabet = BpeConfig::Alphabet::kBytes;
  spec.bpe.ignore_merges = preset->ignore_merges;
  spec.decoder.push_back(decoder_step(DecoderStep::Kind::kByteLevel));

  const model::GgufValue* merges = file.find("tokenizer.ggml.merges");
  if (merges == nullptr) return Status::ok_status();
  if (merges->type() != model::GgufType::kArray || merges->array_type() != model::GgufType::kString) {
    return invalid_argument("tokenizer.ggml.merges is not a string array");
  }
  std::unordered_map<std::string_view, int32_t> ids;
  for (size_t id = 0; id < spec.pieces.size(); ++id) ids.emplace(spec.pieces[id], static_cast<int32_t>(id));
  std::string joined;
  for (std::string_view line : merges->as_string_array()) {
    const size_t space = line.find(' ', 1);
    if (space == std::string_view::npos) return invalid_argument("merge '", line, "' is not two tokens");
    const std::string_view left = line.substr(0, space), right = line.substr(space + 1);
    joined.assign(left);
    joined.append(right);
    auto left_it = ids.find(left), right_it = ids.find(right), merged_it = ids.find(joined);
    if (left_it == ids.end() || right_it == ids.end() || merged_it == ids.end()) {
      return invalid_argument("merge '", line, "' uses a token outside the vocabulary");
    }
    spec.merges.push_back({left_it->second, right_it->second, merged_it->second});
  }
  return Status::ok_status();
}

Status read_sentencepiece(const model::GgufFile& file, TokenizerSpec& spec) {
  const bool add_space_prefix = TRY(optional_bool(file, "tokenizer.ggml.add_space_prefix", true));
  if (add_space_prefix) spec.normalizer.push_back({NormalizerStep::Kind::kPrepend, "", std::string(kSpaceMarker)});
  spec.normalizer.push_back({NormalizerStep::Kind::kReplace, " ", std::string(kSpaceMarker)});
  spec.bpe.alphabet = BpeConfig::Alphabet::kCharacters;
  spec.bpe.byte_fallback = true;
  spec.bpe.fuse_unk = true;
  spec.bpe.unk_id = spec.unk_id;
  spec.decoder.push_back({DecoderStep::Kind::kReplace, std::string(kSpaceMarker), " "});
  spec.decoder.push_back(decoder_step(DecoderStep::Kind::kByteFallback));
  spec.decoder.push_back(decoder_step(DecoderStep::Kind::kFuse));
  if (add_space_prefix) spec.decoder.push_back({DecoderStep::Kind::kStrip, "", " ", 1, 0});
  if (spec.scores.size() != spec.pieces.size()) return invalid_argument("tokenizer.ggml.scores missing or short");
  derive_merges_from_scores(spec);
  return Status::ok_status();
}

}  // namespace

Result<TokenizerSpec> read_gguf_tokenizer(const model::GgufFile& file) {
  const std::string_view model_name = TRY(file.get_string("tokenizer.ggml.model"));
  if (model_name != "gpt2" && model_name != "llama") {
    return unimplemented("tokenizer.ggml.model '", model_name, "' (loom reads gpt2 and llama)");
  }
  const model::GgufValue* tokens = file.find("tokenizer.ggml.tokens");
  if (tokens == nullptr || tokens->type() != model::GgufType::kArray ||
      tokens->array_type() != model::GgufType::kString || tokens->array_size() == 0) {
    return invalid_argument("tokenizer.ggml.tokens is missing or not a string array");
  }
  TokenizerSpec spec;
  const size_t count = tokens->as_string_array().size();
  spec.pieces.assign(tokens->as_string_array().begin(), tokens->as_string_array().end());
  spec.in_model.assign(count, true);
  spec.types.assign(count, TokenType::kNormal);
  if (const model::GgufValue* types = file.find("tokenizer.ggml.token_type")) {
    auto values = types->as_int_array();
    if (!values || values->size() != count) return invalid_argument("tokenizer.ggml.token_type does not match tokens");
    for (size_t id = 0; id < count; ++id) spec.types[id] = static_cast<TokenType>((*values)[id]);
  }
  if (const model::GgufValue* scores = file.find("tokenizer.ggml.scores")) {
    auto values = scores->as_float_array();
    if (!values || values->size() != count) return invalid_argument("tokenizer.ggml.scores does not match tokens");
    spec.scores = std::move(*values);
  }
  spec.bos_id = TRY(optional_id(file, "tokenizer.ggml.bos_token_id", count));
  spec.eos_id = TRY(optional_id(file, "tokenizer.ggml.eos_token_id", count));
  spec.unk_id = TRY(optional_id(file, "tokenizer.ggml.unknown_token_id", count));
  spec.pad_id = TRY(optional_id(file, "tokenizer.ggml.padding_token_id", count));
  for (size_t id = 0; id < count; ++id) {
    const TokenType type = spec.types[id];
    if (type == TokenType::kControl || type == TokenType::kUserDefined || type == TokenType::kUnknown) {
      AddedToken token;
      token.id = static_cast<int32_t>(id);
      token.content = spec.pieces[id];
      token.special = type != TokenType::kUserDefined;
      spec.added_tokens.push_back(std::move(token));
    }
  }
  const bool sentencepiece = model_name == "llama";
  if (sentencepiece) TRY(read_sentencepiece(file, spec));
  else TRY(read_byte_level(file, spec));

  if (TRY(optional_bool(file, "tokenizer.ggml.add_bos_token", sentencepiece)) && spec.bos_id) {
    spec.prefix_ids.push_back(*spec.bos_id);
  }
  if (TRY(optional_bool(file, "tokenizer.ggml.add_eos_token", false)) && spec.eos_id) {
    spec.suffix_ids.push_back(*spec.eos_id);
  }
  if (const model::GgufValue* chat_template = file.find("tokenizer.chat_template")) {
    spec.chat_template = std::string(chat_template->as_string().value_or(""));
  }
  add_end_of_generation_ids(spec);
  for (const char* key : {"tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"}) {
    auto id = TRY(optional_id(file, key, count));
    auto& ids = spec.end_of_generation_ids;
    if (id && std::find(ids.begin(), ids.end(), *id) == ids.end()) ids.push_back(*id);
  }
  return spec;
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::from_gguf(const model::GgufFile& file) {
  auto spec = read_gguf_tokenizer(file);
  if (!spec.ok()) return spec.status().with_context("GGUF tokenizer");
  return from_spec(std::move(*spec));
}

}  // namespace loom::text
