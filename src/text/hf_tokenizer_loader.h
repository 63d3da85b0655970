// Reads Hugging Face tokenizer.json (+ tokenizer_config.json) into a
// TokenizerSpec. Supported: model BPE; normalizers NFC, Replace (string),
// Prepend, Sequence; pre-tokenizers Split, ByteLevel, Digits, Metaspace,
// Sequence; post-processors TemplateProcessing, ByteLevel, Roberta/Bert,
// Sequence; decoders ByteLevel, Replace, ByteFallback, Fuse, Strip,
// Metaspace, Sequence. Anything else is a precise kUnimplemented.
//
// add_bos_token / add_eos_token in tokenizer_config.json, when present,
// decide the special ids around the text (as transformers' Llama and Gemma
// tokenizers rebuild their post-processor from them); otherwise the
// post-processor does.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "text/tokenizer_spec.h"

namespace loom::text {

// config_json may be empty.
Result<TokenizerSpec> parse_hf_tokenizer(std::string_view tokenizer_json, std::string_view config_json);
// config_path may be empty.
Result<TokenizerSpec> load_hf_tokenizer(const std::string& tokenizer_json_path, const std::string& config_path);

}  // namespace loom::text
