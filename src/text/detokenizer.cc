// Streaming detokenization over token_bytes(): a byte buffer holding at most
// one unfinished UTF-8 character between calls.
#include "text/detokenizer.h"

#include "text/unicode.h"

namespace loom::text {

StreamingDetokenizer::StreamingDetokenizer(const Tokenizer& tokenizer, SpecialTokens special)
    : tokenizer_(tokenizer), special_(special) {}

std::string StreamingDetokenizer::take_complete(bool final) {
  const size_t complete = final ? pending_.size() : utf8_complete_prefix(pending_);
  std::string out = to_valid_utf8(std::string_view(pending_).substr(0, complete));
  pending_.erase(0, complete);
  if (at_start_ && !out.empty()) {
    if (tokenizer_.strips_leading_space() && out.front() == ' ') out.erase(0, 1);
    at_start_ = false;
  }
  return out;
}

std::string StreamingDetokenizer::push(int32_t id) {
  if (special_ == SpecialTokens::kSkip && tokenizer_.is_special(id)) return "";
  pending_.append(tokenizer_.token_bytes(id));
  return take_complete(/*final=*/false);
}

std::string StreamingDetokenizer::flush() {
  std::string out = take_complete(/*final=*/true);
  at_start_ = true;
  return out;
}

}  // namespace loom::text
