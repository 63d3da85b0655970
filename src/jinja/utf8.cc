// UTF-8 decoding, code point offsets and trimming for the Jinja engine.
#include "jinja/utf8.h"

namespace loom::jinja {

uint32_t decode_code_point(std::string_view text, size_t pos, size_t* length) {
  char32_t code_point = 0;
  const int consumed = decode_utf8_sequence(text, pos, code_point);
  if (consumed < 0) {  // an ill-formed byte stands for itself, so slicing keeps it
    *length = 1;
    return static_cast<uint8_t>(text[pos]);
  }
  *length = static_cast<size_t>(consumed);
  return code_point;
}

std::vector<size_t> code_point_offsets(std::string_view text) {
  std::vector<size_t> offsets;
  offsets.reserve(text.size() + 1);
  size_t pos = 0;
  while (pos < text.size()) {
    offsets.push_back(pos);
    size_t length = 1;
    decode_code_point(text, pos, &length);
    pos += length;
  }
  offsets.push_back(text.size());
  return offsets;
}

size_t code_point_count(std::string_view text) {
  size_t count = 0;
  for (char c : text) {
    if ((static_cast<uint8_t>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

bool is_unicode_space(uint32_t c) {
  switch (c) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20:
    case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F:
    case 0x205F: case 0x3000: case 0xFEFF:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

namespace {
bool in_set(uint32_t code_point, const std::string_view* chars) {
  if (chars == nullptr) return is_unicode_space(code_point);
  size_t pos = 0;
  while (pos < chars->size()) {
    size_t length = 1;
    if (decode_code_point(*chars, pos, &length) == code_point) return true;
    pos += length;
  }
  return false;
}
}  // namespace

std::string trim(std::string_view text, TrimSide side, const std::string_view* chars) {
  size_t begin = 0;
  size_t end = text.size();
  if (side != TrimSide::kRight) {
    while (begin < end) {
      size_t length = 1;
      if (!in_set(decode_code_point(text, begin, &length), chars)) break;
      begin += length;
    }
  }
  if (side != TrimSide::kLeft) {
    while (end > begin) {
      size_t start = end - 1;  // back up to the lead byte of the last code point
      while (start > begin && (static_cast<uint8_t>(text[start]) & 0xC0) == 0x80 && end - start < 4) --start;
      size_t length = 1;
      const uint32_t code_point = decode_code_point(text, start, &length);
      if (start + length != end) {  // not a whole code point: treat the last byte alone
        if (!in_set(static_cast<uint8_t>(text[end - 1]), chars)) break;
        --end;
        continue;
      }
      if (!in_set(code_point, chars)) break;
      end = start;
    }
  }
  return std::string(text.substr(begin, end - begin));
}

}  // namespace loom::jinja
