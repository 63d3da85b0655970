// BPE training: learns a byte-level BPE vocabulary (256 byte tokens, then one
// token per merge, then the added tokens) from a corpus, with the Qwen2
// pre-tokenizer (digits split one by one, so numbers stay copyable digit by
// digit). The result is a TokenizerSpec equal to what read_gguf_tokenizer
// gives back for the written file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "text/tokenizer_spec.h"

namespace loom::text {

struct TrainerToken {
  std::string content;
  TokenType type = TokenType::kControl;  // kControl or kUserDefined
};

struct BpeTrainerOptions {
  // Total vocabulary: 256 bytes + merges + added tokens. Training stops early
  // when no pair occurs min_pair_count times.
  int32_t vocab_size = 2048;
  int64_t min_pair_count = 2;
  std::vector<TrainerToken> added_tokens;  // matched atomically, never merged into
  std::string eos_token;                   // must be one of added_tokens when set
  std::string pad_token;
  std::string chat_template;
};

// Counts the pre-tokenized pieces of `texts` (added tokens split out first,
// NFC applied), then merges the most frequent adjacent pair until the
// vocabulary is full. Ties go to the pair whose (left id, right id) is
// smallest, so the result depends only on the input.
Result<TokenizerSpec> train_byte_level_bpe(const std::vector<std::string_view>& texts,
                                           const BpeTrainerOptions& options);

// <|endoftext|>, <|im_start|>, <|im_end|> (control) and <think>, </think>,
// <tool_call>, </tool_call>, <tool_response>, </tool_response> (user-defined,
// so they stay in decoded text for the output parser): the Qwen3 chat format.
std::vector<TrainerToken> qwen3_chat_tokens();

}  // namespace loom::text
