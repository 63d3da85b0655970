// StreamingDetokenizer: turns generated ids into text as they arrive, never
// emitting half a UTF-8 character. Incomplete sequences wait for the next
// token; bytes that can never become valid are emitted as U+FFFD (one per
// maximal invalid subpart), and flush() ends the stream.
#pragma once

#include <cstdint>
#include <string>

#include "text/tokenizer.h"

namespace loom::text {

enum class SpecialTokens { kKeep, kSkip };

class StreamingDetokenizer {
 public:
  // `tokenizer` must outlive this object.
  StreamingDetokenizer(const Tokenizer& tokenizer, SpecialTokens special);

  // Text that is now complete (may be empty).
  std::string push(int32_t id);
  // Whatever is still pending, repaired to valid UTF-8; the stream then starts over.
  std::string flush();

 private:
  std::string take_complete(bool final);

  const Tokenizer& tokenizer_;
  SpecialTokens special_;
  std::string pending_;
  bool at_start_ = true;  // nothing emitted yet (SentencePiece drops one leading space)
};

}  // namespace loom::text
