// Normalizer steps, applied in order to each stretch of text between added tokens.
#include "text/normalizer.h"

#include "text/unicode.h"

namespace loom::text {
namespace {

std::string replace_all(std::string_view text, std::string_view pattern, std::string_view content) {
  if (pattern.empty()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  for (size_t found; (found = text.find(pattern, pos)) != std::string_view::npos; pos = found + pattern.size()) {
    out.append(text.substr(pos, found - pos));
    out.append(content);
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace

std::string Normalizer::normalize(std::string_view text) const {
  std::string current(text);
  for (const NormalizerStep& step : steps_) {
    switch (step.kind) {
      case NormalizerStep::Kind::kNfc: current = to_nfc(current); break;
      case NormalizerStep::Kind::kReplace: current = replace_all(current, step.pattern, step.content); break;
      case NormalizerStep::Kind::kPrepend:
        if (!current.empty()) current.insert(0, step.content);
        break;
    }
  }
  return current;
}

}  // namespace loom::text
