// Added-token matching with a byte trie (tokens are short; the scan only
// enters the trie at bytes that start some token).
#include "text/tokenizer_added_tokens.h"

#include "text/unicode.h"

namespace loom::text {
namespace {

// The character that ends text[0, end) (end > 0).
char32_t last_char(std::string_view text) {
  size_t start = text.size() - 1;
  while (start > 0 && (static_cast<uint8_t>(text[start]) & 0xC0) == 0x80) --start;
  return decode_utf8(text, start);
}

}  // namespace

AddedTokenMatcher::AddedTokenMatcher(const std::vector<AddedToken>& tokens) : tokens_(tokens) {
  nodes_.push_back({});
  for (size_t index = 0; index < tokens_.size(); ++index) {
    const std::string& content = tokens_[index].content;
    if (content.empty()) continue;
    first_bytes_[static_cast<uint8_t>(content[0])] = true;
    int32_t node = 0;
    for (char c : content) {
      const uint64_t key = (static_cast<uint64_t>(node) << 8) | static_cast<uint8_t>(c);
      auto it = edges_.find(key);
      if (it == edges_.end()) {
        it = edges_.emplace(key, static_cast<int32_t>(nodes_.size())).first;
        nodes_.push_back({});
      }
      node = it->second;
    }
    // The first listed token wins for duplicate contents.
    if (nodes_[node].token < 0) nodes_[node].token = static_cast<int32_t>(index);
  }
}

int32_t AddedTokenMatcher::longest_at(std::string_view text, size_t pos, size_t& length) const {
  int32_t best = -1;
  int32_t node = 0;
  for (size_t index = pos; index < text.size(); ++index) {
    auto it = edges_.find((static_cast<uint64_t>(node) << 8) | static_cast<uint8_t>(text[index]));
    if (it == edges_.end()) break;
    node = it->second;
    if (nodes_[node].token >= 0) {
      best = nodes_[node].token;
      length = index + 1 - pos;
    }
  }
  return best;
}

void AddedTokenMatcher::split(std::string_view text, std::vector<Segment>& segments) const {
  segments.clear();
  size_t covered = 0;  // end of the last emitted segment
  size_t pos = 0;
  while (pos < text.size()) {
    if (!first_bytes_[static_cast<uint8_t>(text[pos])]) {
      ++pos;
      continue;
    }
    size_t length = 0;
    const int32_t index = longest_at(text, pos, length);
    if (index < 0) {
      ++pos;
      continue;
    }
    const AddedToken& token = tokens_[index];
    size_t start = pos, stop = pos + length;
    pos = stop;  // matches never overlap, even when one is rejected below
    if (token.single_word) {
      size_t probe = stop;
      const bool word_before = start > 0 && is_unicode_alphanumeric(last_char(text.substr(0, start)));
      const bool word_after = stop < text.size() && is_unicode_alphanumeric(decode_utf8(text, probe));
      if (word_before || word_after) continue;
    }
    if (token.lstrip) {
      while (start > covered) {
        size_t char_start = start - 1;
        while (char_start > covered && (static_cast<uint8_t>(text[char_start]) & 0xC0) == 0x80) --char_start;
        size_t probe = char_start;
        if (!is_unicode_whitespace(decode_utf8(text, probe))) break;
        start = char_start;
      }
    }
    if (token.rstrip) {
      while (stop < text.size()) {
        size_t probe = stop;
        if (!is_unicode_whitespace(decode_utf8(text, probe))) break;
        stop = probe;
      }
      pos = stop;
    }
    if (covered < start) segments.push_back({covered, start, -1});
    segments.push_back({start, stop, token.id});
    covered = stop;
  }
  if (covered < text.size()) segments.push_back({covered, text.size(), -1});
}

}  // namespace loom::text
