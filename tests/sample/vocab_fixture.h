// Vocabularies for grammar tests and the grammar benchmark: the real Qwen3
// vocabulary (byte-level BPE strings decoded to bytes) and a small synthetic one.
#pragma once

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace loom::sample::testing {

struct TestVocab {
  std::vector<std::string> tokens;  // token id -> bytes; "" for control tokens
  std::vector<int32_t> end_of_generation;
};

// GPT-2 byte-level alphabet: printable bytes stand for themselves, the others were
// shifted to U+0100 and up in byte order. Returns the byte for a code point, or -1.
inline int byte_level_to_byte(uint32_t codepoint) {
  static const std::vector<int> table = [] {
    std::vector<int> inverse(512, -1);
    int shifted = 0;
    for (int byte = 0; byte < 256; ++byte) {
      const bool printable = (byte >= 33 && byte <= 126) || (byte >= 161 && byte <= 172) || (byte >= 174);
      inverse[printable ? byte : 256 + shifted++] = byte;
    }
    return inverse;
  }();
  return codepoint < table.size() ? table[codepoint] : -1;
}

inline std::string decode_byte_level(const std::string& text) {
  std::string bytes;
  for (size_t i = 0; i < text.size();) {
    const uint8_t lead = static_cast<uint8_t>(text[i]);
    const int length = lead < 0x80 ? 1 : lead >= 0xE0 ? 3 : 2;
    uint32_t codepoint = length == 1 ? lead : lead & (0x7F >> length);
    for (int k = 1; k < length; ++k) codepoint = (codepoint << 6) | (static_cast<uint8_t>(text[i + k]) & 0x3F);
    i += length;
    const int byte = byte_level_to_byte(codepoint);
    if (byte >= 0) bytes.push_back(static_cast<char>(byte));
  }
  return bytes;
}

// Qwen3's tokenizer.json: BPE vocabulary plus added tokens. Special added tokens
// are control tokens (empty bytes); <|im_end|> and <|endoftext|> end generation.
inline TestVocab load_qwen3_vocab(const std::string& tokenizer_json_path) {
  TestVocab vocab;
  std::ifstream file(tokenizer_json_path);
  std::stringstream text;
  text << file.rdbuf();
  const nlohmann::json tokenizer = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (tokenizer.is_discarded()) return vocab;
  size_t size = 0;
  for (const auto& [piece, id] : tokenizer["model"]["vocab"].items()) size = std::max(size, id.get<size_t>() + 1);
  for (const auto& added : tokenizer["added_tokens"]) size = std::max(size, added["id"].get<size_t>() + 1);
  vocab.tokens.resize(size);
  for (const auto& [piece, id] : tokenizer["model"]["vocab"].items()) vocab.tokens[id.get<size_t>()] = decode_byte_level(piece);
  for (const auto& added : tokenizer["added_tokens"]) {
    const auto id = added["id"].get<int32_t>();
    const std::string content = added["content"].get<std::string>();
    vocab.tokens[id] = added["special"].get<bool>() ? "" : content;
    if (content == "<|im_end|>" || content == "<|endoftext|>") vocab.end_of_generation.push_back(id);
  }
  return vocab;
}

// ~480 tokens: every single byte (so any text can be spelled), JSON punctuation
// and fragments, digits, words, escapes and multi-byte characters; the last
// token ends generation.
inline TestVocab synthetic_vocab() {
  TestVocab vocab;
  for (int byte = 0; byte < 256; ++byte) vocab.tokens.push_back(std::string(1, static_cast<char>(byte)));
  for (const char* piece : {"{\"", "\":", "\": ", "\", \"", "\",\"", "\"}", "\"]", "},", "}]", "]}", "[{", "[\"", "\"\n",
                            "{}", "[]", ", ", ",\n", "\n  ", "\n    ", "  ", "true", "false", "null", "tr", "ue", "fal",
                            "se", "nu", "ll", "0.", ".5", "e+", "E-", "-1", "10", "25", "99", "100", "2024", "-0",
                            "\\n", "\\\"", "\\\\", "\\u00e9", "\\ud83d", "\\t", "é", "ü", "中", "文", "😀", "€",
                            "the", " the", "name", "city", "Paris", " and", "ing", "tion", "http", "://", ".com", "@",
                            "-", "T", "Z", ":", "+02:00", "12:30:00", "2024-01-31", "550e8400", "abc", "def", "xyz",
                            "user", "id", "type", "value", "data", "list", "items", "query", "cmd", "ls -la", " ",
                            "\"a", "b\"", "\"0", "1\"", "}}", "]]", "\"\"", "\": {", "\": [", "\": \""}) {
    vocab.tokens.push_back(piece);
  }
  for (int number = 0; number < 100; ++number) vocab.tokens.push_back(std::to_string(number));
  vocab.end_of_generation.push_back(static_cast<int32_t>(vocab.tokens.size()));
  vocab.tokens.push_back("");
  return vocab;
}

}  // namespace loom::sample::testing
