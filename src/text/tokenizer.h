// Tokenizer: text <-> token ids for the vocabularies loom runs (byte-level
// BPE: Llama 3, Qwen2/3, gpt-oss, DeepSeek V3, GPT-2; SentencePiece-style BPE
// with byte fallback: Llama 2, Gemma 3), loaded from GGUF metadata or from
// Hugging Face tokenizer.json. Immutable after load; encode/decode are
// thread-safe.
//
// encode: invalid UTF-8 in the input is first replaced by U+FFFD (one per
// maximal invalid subpart, as a JavaScript or Python decode with replacement
// would), then: added tokens are split out, the rest is normalized,
// pre-tokenized and BPE-encoded; `add_special` adds the BOS/EOS the model's
// files ask for.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "text/tokenizer_spec.h"

namespace loom::model {
class GgufFile;
}

namespace loom::text {

class Tokenizer {
 public:
  static Result<std::unique_ptr<Tokenizer>> from_gguf(const model::GgufFile& file);
  // tokenizer_config_path may be empty (then no add_bos/add_eos override and
  // no chat template).
  static Result<std::unique_ptr<Tokenizer>> from_hf_files(const std::string& tokenizer_json_path,
                                                          const std::string& tokenizer_config_path);
  static Result<std::unique_ptr<Tokenizer>> from_spec(TokenizerSpec spec);

  std::vector<int32_t> encode(std::string_view text, bool add_special) const;
  // Ids out of range are skipped; the result is valid UTF-8.
  std::string decode(std::span<const int32_t> ids, bool skip_special) const;

  // The raw bytes a token contributes to the text (may be part of a UTF-8
  // character); empty for ids out of range.
  std::string_view token_bytes(int32_t id) const;
  // The vocabulary string of a token (as listed in the source files).
  std::string_view piece(int32_t id) const;
  int32_t vocab_size() const { return static_cast<int32_t>(spec_.pieces.size()); }
  std::optional<int32_t> bos_id() const { return spec_.bos_id; }
  std::optional<int32_t> eos_id() const { return spec_.eos_id; }
  // eos and the end-of-turn tokens: generation stops at any of these.
  std::span<const int32_t> end_of_generation_ids() const { return spec_.end_of_generation_ids; }
  bool is_special(int32_t id) const;
  // Id of a vocabulary string (special tokens such as "<|im_end|>").
  std::optional<int32_t> token_id(std::string_view piece) const;
  // Whether decoding drops one leading space (SentencePiece-style prefix space).
  bool strips_leading_space() const { return strips_leading_space_; }
  const std::string& chat_template() const { return spec_.chat_template; }
  const TokenizerSpec& spec() const { return spec_; }

 private:
  explicit Tokenizer(TokenizerSpec spec) : spec_(std::move(spec)) {}
  void encode_text(std::string_view text, bool at_text_start, std::vector<int32_t>& ids) const;
  void encode_normalized(std::string_view text, bool at_text_start, std::vector<int32_t>& ids) const;

  TokenizerSpec spec_;
  BpeModel bpe_;
  PreTokenizer pre_tokenizer_;
  Normalizer normalizer_;
  AddedTokenMatcher raw_matcher_;         // added tokens matched in the input
  AddedTokenMatcher normalized_matcher_;  // added tokens matched after normalization
  std::vector<std::string> token_bytes_;
  std::vector<bool> special_;
  std::unordered_map<std::string_view, int32_t> piece_ids_;  // views into spec_.pieces
  bool strips_leading_space_ = false;
};

}  // namespace loom::text
