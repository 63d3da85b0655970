// libFuzzer target for the grammar engine: the first byte picks grammar text or a
// JSON Schema, the rest up to a NUL is the input, the bytes after it are fed to
// the matcher. Anything must compile or fail with a Status, never crash; a grammar
// that compiles is matched and masked over a small vocabulary, and the mask must
// agree with stepping each token on its own.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sample/grammar_parser.h"
#include "sample/json_schema.h"
#include "sample/token_mask.h"

namespace {

using loom::sample::Grammar;
using loom::sample::GrammarMatcher;

const std::shared_ptr<const loom::sample::VocabTrie>& vocab() {
  static const auto trie = [] {
    std::vector<std::string> tokens;
    for (int byte = 0; byte < 256; ++byte) tokens.push_back(std::string(1, static_cast<char>(byte)));
    for (const char* piece : {"{\"", "\":", "\"}", "[]", "true", "null", "ab", "abc", "é", "😀", "\\u00", ""}) tokens.push_back(piece);
    return std::make_shared<const loom::sample::VocabTrie>(tokens, std::vector<int32_t>{static_cast<int32_t>(tokens.size() - 1)});
  }();
  return trie;
}

void exercise(Grammar grammar, std::string_view feed) {
  if (grammar.elements.size() > 200000) return;  // keep each run fast
  auto shared = std::make_shared<const Grammar>(std::move(grammar));
  GrammarMatcher matcher(shared);
  (void)shared->to_text();
  GrammarMatcher::StateId state = matcher.start();
  std::vector<uint64_t> mask;
  for (size_t i = 0; i <= feed.size() && i < 64; ++i) {
    vocab()->allowed_tokens(matcher, state, mask);
    for (size_t token = 0; token + 1 < vocab()->vocab_size(); ++token) {
      const bool allowed = (mask[token >> 6] >> (token & 63)) & 1;
      const bool stepped = matcher.step(state, vocab()->token_bytes(static_cast<int32_t>(token))) != GrammarMatcher::kDead;
      if (allowed != stepped) __builtin_trap();
    }
    if (i == feed.size()) break;
    const GrammarMatcher::StateId next = matcher.step(state, static_cast<uint8_t>(feed[i]));
    if (next == GrammarMatcher::kDead) break;
    state = next;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string_view all(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t split = all.find('\0');
  const std::string_view input = all.substr(0, split);
  const std::string_view feed = split == std::string_view::npos ? std::string_view() : all.substr(split + 1);
  if (data[0] & 1) {
    const auto schema = nlohmann::ordered_json::parse(input, nullptr, /*allow_exceptions=*/false);
    if (schema.is_discarded()) return 0;
    loom::Result<Grammar> grammar = loom::sample::json_schema_grammar(schema);
    if (grammar.ok()) exercise(std::move(grammar).value(), feed);
  } else {
    loom::Result<Grammar> grammar = loom::sample::parse_grammar(input);
    if (grammar.ok()) exercise(std::move(grammar).value(), feed);
  }
  return 0;
}
