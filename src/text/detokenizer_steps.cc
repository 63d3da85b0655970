// Decoder steps over a list of pieces, mirroring each Hugging Face decoder's
// decode_chain so that loom's decode() gives the oracle's text.
#include "text/detokenizer_steps.h"

#include <cstdio>
#include <optional>

#include "text/unicode.h"

namespace loom::text {
namespace {

std::string replace_all(const std::string& text, const std::string& pattern, const std::string& content) {
  if (pattern.empty()) return text;
  std::string out;
  size_t pos = 0;
  for (size_t found; (found = text.find(pattern, pos)) != std::string::npos; pos = found + pattern.size()) {
    out.append(text, pos, found - pos);
    out.append(content);
  }
  out.append(text, pos);
  return out;
}

std::optional<uint8_t> fallback_byte(const std::string& piece) {
  if (piece.size() != 6 || !piece.starts_with("<0x") || piece.back() != '>') return std::nullopt;
  unsigned value = 0;
  char tail = 0;
  if (std::sscanf(piece.c_str() + 3, "%2X%c", &value, &tail) != 2 || tail != '>') return std::nullopt;
  return static_cast<uint8_t>(value);
}

// Byte-level pieces map back to bytes; a piece with a character outside the
// alphabet (an added token such as DeepSeek's) keeps its own bytes.
std::string byte_level_bytes(const std::string& piece) {
  if (auto bytes = ByteLevelAlphabet::get().decode(piece)) return *bytes;
  return piece;
}

std::vector<std::string> byte_fallback(std::vector<std::string> pieces) {
  std::vector<std::string> out;
  std::string pending;
  size_t pending_count = 0;
  const auto flush = [&] {
    if (pending_count == 0) return;
    if (is_valid_utf8(pending)) {
      out.push_back(pending);
    } else {
      // An invalid run becomes one U+FFFD per byte, as Hugging Face does.
      for (size_t index = 0; index < pending_count; ++index) out.push_back("\xEF\xBF\xBD");
    }
    pending.clear();
    pending_count = 0;
  };
  for (std::string& piece : pieces) {
    if (auto byte = fallback_byte(piece)) {
      pending.push_back(static_cast<char>(*byte));
      ++pending_count;
      continue;
    }
    flush();
    out.push_back(std::move(piece));
  }
  flush();
  return out;
}

std::string strip_chars(const std::string& piece, const std::string& content, int start, int stop) {
  // Works on characters: `content` is one character in UTF-8.
  std::vector<std::pair<size_t, size_t>> chars;  // byte ranges
  for (size_t pos = 0; pos < piece.size();) {
    const size_t begin = pos;
    decode_utf8(piece, pos);
    chars.emplace_back(begin, pos);
  }
  size_t first = 0, last = chars.size();
  const auto is_content = [&](size_t index) {
    return piece.compare(chars[index].first, chars[index].second - chars[index].first, content) == 0;
  };
  for (int count = 0; count < start && first < last && is_content(first); ++count) ++first;
  for (int count = 0; count < stop && last > first && is_content(last - 1); ++count) --last;
  if (first >= last) return "";
  return piece.substr(chars[first].first, chars[last - 1].second - chars[first].first);
}

}  // namespace

std::string run_decoder(const std::vector<DecoderStep>& steps, std::vector<std::string> pieces) {
  for (const DecoderStep& step : steps) {
    switch (step.kind) {
      case DecoderStep::Kind::kByteLevel: {
        std::string bytes;
        for (const std::string& piece : pieces) bytes += byte_level_bytes(piece);
        pieces.assign(1, to_valid_utf8(bytes));
        break;
      }
      case DecoderStep::Kind::kReplace:
        for (std::string& piece : pieces) piece = replace_all(piece, step.pattern, step.content);
        break;
      case DecoderStep::Kind::kByteFallback: pieces = byte_fallback(std::move(pieces)); break;
      case DecoderStep::Kind::kFuse: {
        std::string joined;
        for (const std::string& piece : pieces) joined += piece;
        pieces.assign(1, std::move(joined));
        break;
      }
      case DecoderStep::Kind::kStrip:
        for (std::string& piece : pieces) piece = strip_chars(piece, step.content, step.start, step.stop);
        break;
      case DecoderStep::Kind::kMetaspace:
        for (size_t index = 0; index < pieces.size(); ++index) {
          std::string text = replace_all(pieces[index], step.content, " ");
          if (index == 0 && step.prepend_scheme != PrependScheme::kNever && text.starts_with(' ')) text.erase(0, 1);
          pieces[index] = std::move(text);
        }
        break;
    }
  }
  std::string out;
  for (const std::string& piece : pieces) out += piece;
  return to_valid_utf8(out);
}

std::string piece_bytes(const std::vector<DecoderStep>& steps, const std::string& piece) {
  std::string current = piece;
  for (const DecoderStep& step : steps) {
    switch (step.kind) {
      case DecoderStep::Kind::kByteLevel: current = byte_level_bytes(current); break;
      case DecoderStep::Kind::kReplace: current = replace_all(current, step.pattern, step.content); break;
      case DecoderStep::Kind::kByteFallback:
        if (auto byte = fallback_byte(current)) current = std::string(1, static_cast<char>(*byte));
        break;
      case DecoderStep::Kind::kMetaspace: current = replace_all(current, step.content, " "); break;
      case DecoderStep::Kind::kFuse:
      case DecoderStep::Kind::kStrip: break;
    }
  }
  return current;
}

}  // namespace loom::text
