// UTF-8 helpers for the tokenizers: decoding and encoding code points, lossy
// repair of invalid input, NFC, and GPT-2's byte <-> printable-character map.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace loom::text {

inline constexpr char32_t kReplacementCharacter = 0xFFFD;

// Length of the UTF-8 sequence a lead byte announces (1 for ASCII and for
// bytes that cannot start a sequence, so a scan always advances).
int utf8_sequence_length(uint8_t lead);

// Decodes the code point at text[pos]; advances pos. Invalid input yields
// U+FFFD and advances past the maximal invalid subpart (WHATWG / Unicode).
char32_t decode_utf8(std::string_view text, size_t& pos);
void append_utf8(std::string& out, char32_t code_point);

// Length of the longest prefix of `text` that is complete, valid UTF-8 when
// the tail may still be continued: an incomplete but so-far valid sequence
// at the end is left out. Bytes that can never become valid are counted (the
// caller replaces them).
size_t utf8_complete_prefix(std::string_view text);

bool is_valid_utf8(std::string_view text);
// Replaces each maximal invalid subpart with U+FFFD, as Rust's
// String::from_utf8_lossy and JavaScript's TextDecoder do.
std::string to_valid_utf8(std::string_view text);

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
