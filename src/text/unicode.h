// Unicode helpers for the tokenizers: NFC, character classes, and GPT-2's
// byte <-> printable-character map. UTF-8 itself is in base/utf8.h.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/utf8.h"  // the tokenizers' UTF-8 decoding lives in base

namespace loom::text {

// Canonical composition (NFC). Text made only of code points below U+0300 is
// returned unchanged without work.
std::string to_nfc(std::string_view text);

// Rust's char::is_whitespace (the White_Space property).
bool is_unicode_whitespace(char32_t code_point);
// Rust's char::is_alphanumeric, approximated with \p{L}, \p{M}-free letters and \p{N}.
bool is_unicode_alphanumeric(char32_t code_point);

// GPT-2's reversible map between bytes and printable code points, used by
// byte-level BPE vocabularies ('Ġ' is the space byte).
class ByteLevelAlphabet {
 public:
  static const ByteLevelAlphabet& get();
  char32_t char_of(uint8_t byte) const { return byte_to_char_[byte]; }
  std::optional<uint8_t> byte_of(char32_t code_point) const;
  // Maps a vocabulary string back to bytes; nullopt when a character is not
  // in the alphabet (the caller then keeps the string's own UTF-8 bytes).
  std::optional<std::string> decode(std::string_view mapped) const;
  std::string encode(std::string_view bytes) const;

 private:
  ByteLevelAlphabet();
  std::array<char32_t, 256> byte_to_char_{};
  std::array<int16_t, 512> char_to_byte_{};  // every mapped code point is < 512
};

}  // namespace loom::text
