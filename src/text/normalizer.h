// Normalizer: the text rewrites a tokenizer applies before pre-tokenization
// (Hugging Face "normalizer": NFC, Replace, Prepend, Sequence).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace loom::text {

struct NormalizerStep {
  enum class Kind { kNfc, kReplace, kPrepend };
  Kind kind = Kind::kNfc;
  std::string pattern;  // kReplace: the literal text replaced
  std::string content;  // kReplace: the replacement; kPrepend: the prefix
};

class Normalizer {
 public:
  Normalizer() = default;
  explicit Normalizer(std::vector<NormalizerStep> steps) : steps_(std::move(steps)) {}

  bool empty() const { return steps_.empty(); }
  const std::vector<NormalizerStep>& steps() const { return steps_; }
  // Input and output are valid UTF-8. Prepend leaves empty text empty, as HF does.
  std::string normalize(std::string_view text) const;

 private:
  std::vector<NormalizerStep> steps_;
};

}  // namespace loom::text
