// UTF-8 decoding, code point offsets and trimming for the Jinja engine.
#include "jinja/utf8.h"

namespace loom::jinja {

uint32_t decode_utf8(std::string_view text, size_t pos, size_t* length) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t lead = byte(pos);
  size_t count = 0;
  uint32_t code_point = 0;
  if (lead < 0x80) {
    *length = 1;
    return lead;
  } else if ((lead & 0xE0) == 0xC0) {
    count = 2;
    code_point = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    count = 3;
    code_point = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    count = 4;
    code_point = lead & 0x07;
  } else {
    *length = 1;
    return lead;
  }
  if (pos + count > text.size()) {
    *length = 1;
    return lead;
  }
  for (size_t i = 1; i < count; ++i) {
    const uint8_t next = byte(pos + i);
    if ((next & 0xC0) != 0x80) {
      *length = 1;
      return lead;
    }
    code_point = (code_point << 6) | (next & 0x3F);
  }
  *length = count;
  return code_point;
}

void append_utf8(std::string& out, uint32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

std::vector<size_t> code_point_offsets(std::string_view text) {
  std::vector<size_t> offsets;
  offsets.reserve(text.size() + 1);
  size_t pos = 0;
  while (pos < text.size()) {
    offsets.push_back(pos);
    size_t length = 1;
    decode_utf8(text, pos, &length);
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
    if (decode_utf8(*chars, pos, &length) == code_point) return true;
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
      if (!in_set(decode_utf8(text, begin, &length), chars)) break;
      begin += length;
    }
  }
  if (side != TrimSide::kLeft) {
    while (end > begin) {
      size_t start = end - 1;  // back up to the lead byte of the last code point
      while (start > begin && (static_cast<uint8_t>(text[start]) & 0xC0) == 0x80 && end - start < 4) --start;
      size_t length = 1;
      const uint32_t code_point = decode_utf8(text, start, &length);
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
