// AddedTokenMatcher: finds added tokens (special tokens and user-defined
// pieces) in text before pre-tokenization, leftmost-longest, honouring
// Hugging Face's single_word, lstrip and rstrip flags.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace loom::text {

struct AddedToken {
  int32_t id = 0;
  std::string content;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;  // matched in normalized text rather than the input
  bool single_word = false;
};

class AddedTokenMatcher {
 public:
  AddedTokenMatcher() = default;
  explicit AddedTokenMatcher(const std::vector<AddedToken>& tokens);

  struct Segment {
    size_t start = 0, end = 0;
    int32_t id = -1;  // -1: plain text between added tokens
  };
  // Covers text[0, size) with segments in order; empty text segments are left out.
  void split(std::string_view text, std::vector<Segment>& segments) const;
  bool empty() const { return tokens_.empty(); }

 private:
  // Longest token that starts at text[pos]; -1 when none.
  int32_t longest_at(std::string_view text, size_t pos, size_t& length) const;

  struct Node {
    int32_t token = -1;  // index into tokens_ when a token ends here
  };
  std::vector<AddedToken> tokens_;
  std::vector<Node> nodes_;
  std::unordered_map<uint64_t, int32_t> edges_;  // (node << 8 | byte) -> child node
  bool first_bytes_[256] = {};
};

}  // namespace loom::text
