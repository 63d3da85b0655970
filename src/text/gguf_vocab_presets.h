// The pre-tokenizers GGUF files name in tokenizer.ggml.pre (llama.cpp's
// names), as Hugging Face pre-tokenizer steps. The one table that maps names
// to regexes; only GGUF loading and writing use it.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "text/tokenizer_spec.h"

namespace loom::text {

struct PreTokenizerPreset {
  std::string_view name;
  std::vector<std::string_view> split_patterns;  // Split(Isolated) regexes, in order
  bool nfc = false;                              // the model's tokenizer.json normalizes to NFC
  bool ignore_merges = false;                    // whole-piece vocabulary hits skip BPE
};

// nullopt for a name loom does not know.
std::optional<PreTokenizerPreset> find_pre_tokenizer_preset(std::string_view name);
// The preset a byte-level spec's normalizer + pre-tokenizer + BPE flags are
// equal to; nullopt when none is.
std::optional<PreTokenizerPreset> preset_of_spec(const TokenizerSpec& spec);

// Steps equivalent to a preset: its Split steps, then ByteLevel.
std::vector<PreTokenizerStep> preset_pre_tokenizer(const PreTokenizerPreset& preset);

}  // namespace loom::text
