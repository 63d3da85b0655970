// GGUF tokenizer metadata (tokenizer.ggml.*, llama.cpp's keys) <-> TokenizerSpec.
// Reading supports model "gpt2" (byte-level BPE; tokenizer.ggml.pre names
// the pre-tokenizer) and "llama" (SentencePiece-style BPE by score with byte
// fallback). Writing converts Hugging Face tokenizer files into those keys.
#pragma once

#include <string>

#include "base/status.h"
#include "model/gguf_file.h"
#include "model/gguf_writer.h"
#include "text/tokenizer_spec.h"

namespace loom::text {

Result<TokenizerSpec> read_gguf_tokenizer(const model::GgufFile& file);

// Writes tokenizer.ggml.{model,pre,tokens,token_type,merges|scores,
// bos/eos/unknown/padding_token_id,add_bos_token,add_eos_token,
// add_space_prefix} and tokenizer.chat_template (when the config has one).
Status write_gguf_tokenizer(const TokenizerSpec& spec, model::GgufWriter& writer);
Status write_gguf_tokenizer(const std::string& tokenizer_json_path, const std::string& tokenizer_config_path,
                            model::GgufWriter& writer);

}  // namespace loom::text
