// PreTokenizer: splits normalized text into the pieces BPE sees, following
// Hugging Face's pre_tokenizer steps (Split by regex or string, ByteLevel,
// Digits, Metaspace). Regexes run on PCRE2 (UTF + UCP + JIT).
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace loom::text {

// A compiled PCRE2 pattern (move-only; matching is thread-safe).
class Regex {
 public:
  static Result<Regex> compile(std::string_view pattern);
  // Appends every non-overlapping, non-empty match [start, end) of `text`,
  // which must be valid UTF-8.
  Status find_all(std::string_view text, std::vector<std::pair<size_t, size_t>>& matches) const;
  const std::string& pattern() const { return pattern_; }

 private:
  struct CodeDeleter {
    void operator()(void* code) const;
  };
  std::unique_ptr<void, CodeDeleter> code_;
  std::string pattern_;
};

// GPT-2's split pattern, built into Hugging Face's ByteLevel pre-tokenizer.
inline constexpr std::string_view kGpt2SplitPattern =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };
enum class PrependScheme { kAlways, kFirst, kNever };

struct PreTokenizerStep {
  enum class Kind { kSplit, kByteLevel, kDigits, kMetaspace };
  Kind kind = Kind::kSplit;
  // kSplit: a regex, or a literal string when !is_regex.
  std::string pattern;
  bool is_regex = true;
  SplitBehavior behavior = SplitBehavior::kIsolated;
  bool invert = false;
  // kByteLevel (the byte mapping itself lives in the vocabulary).
  bool add_prefix_space = false;
  bool use_regex = false;
  // kDigits
  bool individual_digits = false;
  // kMetaspace
  std::string replacement = "\xE2\x96\x81";  // U+2581
  PrependScheme prepend_scheme = PrependScheme::kAlways;
  bool split = true;
};

class PreTokenizer {
 public:
  PreTokenizer() = default;
  static Result<PreTokenizer> create(std::vector<PreTokenizerStep> steps);

  const std::vector<PreTokenizerStep>& steps() const { return steps_; }
  // Splits `text` (valid UTF-8) into non-empty pieces. Pieces view `text` or
  // strings appended to `arena` (stable addresses). `at_text_start` says the
  // text begins the input (Metaspace's "first" prepend scheme).
  Status split(std::string_view text, bool at_text_start, std::vector<std::string_view>& pieces,
               std::deque<std::string>& arena) const;

 private:
  std::vector<PreTokenizerStep> steps_;
  std::vector<std::unique_ptr<Regex>> regexes_;  // one per step; null when unused
};

}  // namespace loom::text
