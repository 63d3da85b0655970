// UTF-8, decoded and encoded in one place for every part of loom: the
// tokenizers, the Jinja engine, the grammar's regex parser and the server's
// request check. Well-formedness follows Unicode Table 3-7 (no overlongs, no
// surrogates, nothing above U+10FFFF); callers choose what to do with
// ill-formed input (replace it, keep the bytes, or reject it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace loom {

inline constexpr char32_t kReplacementCharacter = 0xFFFD;

// Decodes the sequence at text[pos] (pos < text.size()). Returns its length
// (1-4) and sets `code_point`, or, when ill-formed, minus the length of its
// maximal subpart (the bytes a lossy decoder replaces by one U+FFFD).
int decode_utf8_sequence(std::string_view text, size_t pos, char32_t& code_point);

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

// Byte offset of the first ill-formed sequence, or npos.
size_t first_invalid_utf8(std::string_view text);
inline bool is_valid_utf8(std::string_view text) { return first_invalid_utf8(text) == std::string_view::npos; }

// Replaces each maximal invalid subpart with U+FFFD, as Rust's
// String::from_utf8_lossy and JavaScript's TextDecoder do.
std::string to_valid_utf8(std::string_view text);

}  // namespace loom
