// TokenizerSpec: everything that defines a tokenizer, as plain data. The
// Hugging Face and GGUF loaders fill one; Tokenizer is built from it and the
// GGUF writer serializes it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "text/bpe.h"
#include "text/detokenizer_steps.h"
#include "text/normalizer.h"
#include "text/pretokenizer.h"
#include "text/tokenizer_added_tokens.h"

namespace loom::text {

// GGUF's tokenizer.ggml.token_type values (llama.cpp's numbering).
enum class TokenType : int32_t {
  kUndefined = 0, kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6,
};

struct TokenizerSpec {
  // Per id: the vocabulary string as the source lists it (byte-level mapped
  // for byte-level BPE, with U+2581 for SentencePiece), its type, and whether
  // BPE may produce it (added tokens outside the model's vocabulary may not).
  std::vector<std::string> pieces;
  std::vector<TokenType> types;
  std::vector<bool> in_model;
  std::vector<float> scores;  // SentencePiece scores when known (GGUF "llama")

  BpeConfig bpe;
  std::vector<BpeMerge> merges;       // in rank order unless merge_ranks is set
  std::vector<uint32_t> merge_ranks;  // optional, one per merge (ties allowed)

  std::vector<AddedToken> added_tokens;
  std::vector<NormalizerStep> normalizer;
  std::vector<PreTokenizerStep> pre_tokenizer;
  std::vector<DecoderStep> decoder;

  // Ids placed around the text when the caller asks for special tokens.
  std::vector<int32_t> prefix_ids, suffix_ids;
  std::optional<int32_t> bos_id, eos_id, unk_id, pad_id;
  std::vector<int32_t> end_of_generation_ids;  // eos first, then end-of-turn tokens
  std::string chat_template;                   // from tokenizer_config.json / GGUF, may be empty
};

// Fills end_of_generation_ids from eos and the special tokens models use to
// end a turn (<|eot_id|>, <|im_end|>, <end_of_turn>, <|return|>, ...).
void add_end_of_generation_ids(TokenizerSpec& spec);

}  // namespace loom::text
