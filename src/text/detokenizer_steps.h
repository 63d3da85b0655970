// Decoder steps: how token pieces turn back into text (Hugging Face's
// "decoder": ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace).
#pragma once

#include <string>
#include <vector>

#include "text/pretokenizer.h"

namespace loom::text {

struct DecoderStep {
  enum class Kind { kByteLevel, kReplace, kByteFallback, kFuse, kStrip, kMetaspace };
  Kind kind = Kind::kByteLevel;
  std::string pattern;  // kReplace: literal text replaced
  std::string content;  // kReplace: replacement; kStrip: the character stripped; kMetaspace: replacement
  int start = 0;        // kStrip: at most this many leading `content` characters removed
  int stop = 0;         // kStrip: at most this many trailing ones
  PrependScheme prepend_scheme = PrependScheme::kAlways;  // kMetaspace
};

// Runs the steps over the pieces of a token sequence (in order) and joins the
// result. The output is valid UTF-8.
std::string run_decoder(const std::vector<DecoderStep>& steps, std::vector<std::string> pieces);

// The bytes one piece produces on its own: the per-token part of the steps
// (byte-level unmapping, replacements, <0xXX> bytes), without Fuse, Strip or
// the lossy UTF-8 repair. For grammar masks and streaming.
std::string piece_bytes(const std::vector<DecoderStep>& steps, const std::string& piece);

}  // namespace loom::text
