// UTF-8 decoding, encoding and repair (see utf8.h).
#include "base/utf8.h"

namespace loom {
namespace {

bool is_continuation(uint8_t byte) { return (byte & 0xC0) == 0x80; }

}  // namespace

int decode_utf8_sequence(std::string_view text, size_t pos, char32_t& code_point) {
  const auto byte_at = [&](size_t index) { return static_cast<uint8_t>(text[index]); };
  const uint8_t lead = byte_at(pos);
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  }
  int length;
  uint8_t second_low = 0x80, second_high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0F;
    if (lead == 0xE0) second_low = 0xA0;   // no overlong three-byte forms
    if (lead == 0xED) second_high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07;
    if (lead == 0xF0) second_low = 0x90;   // no overlong four-byte forms
    if (lead == 0xF4) second_high = 0x8F;  // nothing above U+10FFFF
  } else {
    return -1;
  }
  for (int index = 1; index < length; ++index) {
    if (pos + index >= text.size()) return -index;
    const uint8_t byte = byte_at(pos + index);
    const uint8_t low = index == 1 ? second_low : 0x80;
    const uint8_t high = index == 1 ? second_high : 0xBF;
    if (byte < low || byte > high) return -index;
    code_point = (code_point << 6) | (byte & 0x3F);
  }
  return length;
}

int utf8_sequence_length(uint8_t lead) {
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  return 1;
}

char32_t decode_utf8(std::string_view text, size_t& pos) {
  char32_t code_point = 0;
  const int consumed = decode_utf8_sequence(text, pos, code_point);
  if (consumed > 0) {
    pos += consumed;
    return code_point;
  }
  pos += -consumed;
  return kReplacementCharacter;
}

void append_utf8(std::string& out, char32_t code_point) {
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

size_t utf8_complete_prefix(std::string_view text) {
  // Only the last three bytes can be the start of an unfinished sequence.
  const size_t scan_from = text.size() > 3 ? text.size() - 3 : 0;
  for (size_t start = scan_from; start < text.size(); ++start) {
    const uint8_t lead = static_cast<uint8_t>(text[start]);
    if (is_continuation(lead)) continue;
    const int length = utf8_sequence_length(lead);
    if (length == 1 || start + length <= text.size()) continue;
    char32_t ignored;
    const int consumed = decode_utf8_sequence(text, start, ignored);
    // A prefix that is valid so far and only runs out of bytes may still finish.
    if (consumed < 0 && start + static_cast<size_t>(-consumed) == text.size()) return start;
  }
  return text.size();
}

size_t first_invalid_utf8(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    if (static_cast<uint8_t>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    char32_t ignored;
    const int consumed = decode_utf8_sequence(text, pos, ignored);
    if (consumed < 0) return pos;
    pos += consumed;
  }
  return std::string_view::npos;
}

std::string to_valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  size_t pos = 0;
  while (pos < text.size()) {
    char32_t code_point = 0;
    const int consumed = decode_utf8_sequence(text, pos, code_point);
    if (consumed > 0) {
      out.append(text.substr(pos, consumed));
      pos += consumed;
    } else {
      append_utf8(out, kReplacementCharacter);
      pos += -consumed;
    }
  }
  return out;
}

}  // namespace loom
