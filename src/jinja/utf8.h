// UTF-8 helpers for the Jinja engine: Python counts, indexes and slices strings
// in code points, and the oracle trims with JavaScript's notion of whitespace.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/utf8.h"

namespace loom::jinja {

// Decodes the code point starting at text[pos]; sets *length to its byte
// count. Invalid bytes decode as themselves (one byte each) so that slicing
// never loses input.
// (base/utf8.h decodes; this adds the byte-keeping policy.)
uint32_t decode_code_point(std::string_view text, size_t pos, size_t* length);

// Byte offsets of each code point start, plus text.size() at the end.
std::vector<size_t> code_point_offsets(std::string_view text);
size_t code_point_count(std::string_view text);

// Whitespace as JavaScript's String.prototype.trim sees it (also Python's
// str.strip() for every character templates meet).
bool is_unicode_space(uint32_t code_point);

enum class TrimSide { kLeft, kRight, kBoth };
// Strips Unicode whitespace, or, when `chars` is non-null, any code point in it.
std::string trim(std::string_view text, TrimSide side, const std::string_view* chars = nullptr);

}  // namespace loom::jinja
