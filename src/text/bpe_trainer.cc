// Byte-level BPE training (see bpe_trainer.h). The corpora loom trains on are
// small (a few thousand distinct pieces), so each round recounts every pair:
// simple, and exactly reproducible.
#include "text/bpe_trainer.h"

#include <algorithm>
#include <deque>
#include <map>
#include <unordered_map>

#include "text/gguf_vocab_presets.h"
#include "text/normalizer.h"
#include "text/pretokenizer.h"
#include "text/tokenizer_added_tokens.h"
#include "text/unicode.h"

namespace loom::text {
namespace {

constexpr std::string_view kPreTokenizer = "qwen2";

struct Word {
  std::vector<int32_t> symbols;
  int64_t count = 0;
};

uint64_t pair_key(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

// Distinct pre-tokenized pieces with their counts, in first-seen order.
Result<std::vector<Word>> count_words(const std::vector<std::string_view>& texts, const TokenizerSpec& spec) {
  const PreTokenizer pre_tokenizer = TRY(PreTokenizer::create(spec.pre_tokenizer));
  const Normalizer normalizer(spec.normalizer);
  const AddedTokenMatcher matcher(spec.added_tokens);
  std::unordered_map<std::string, size_t> index;
  std::vector<Word> words;
  std::vector<AddedTokenMatcher::Segment> segments;
  std::vector<std::string_view> pieces;
  std::deque<std::string> arena;
  for (std::string_view text : texts) {
    if (!is_valid_utf8(text)) return invalid_argument("training text is not valid UTF-8");
    segments.clear();
    matcher.split(text, segments);
    for (const auto& segment : segments) {
      if (segment.id >= 0) continue;
      const std::string normalized = normalizer.normalize(text.substr(segment.start, segment.end - segment.start));
      pieces.clear();
      arena.clear();
      TRY(pre_tokenizer.split(normalized, segment.start == 0, pieces, arena));
      for (std::string_view piece : pieces) {
        auto [it, inserted] = index.emplace(std::string(piece), words.size());
        if (inserted) {
          Word word;
          for (char byte : piece) word.symbols.push_back(static_cast<uint8_t>(byte));
          words.push_back(std::move(word));
        }
        ++words[it->second].count;
      }
    }
  }
  return words;
}

// The most frequent adjacent pair; ties to the smallest key. count 0: none.
std::pair<uint64_t, int64_t> best_pair(const std::vector<Word>& words) {
  std::unordered_map<uint64_t, int64_t> counts;
  for (const Word& word : words) {
    for (size_t pos = 0; pos + 1 < word.symbols.size(); ++pos)
      counts[pair_key(word.symbols[pos], word.symbols[pos + 1])] += word.count;
  }
  std::pair<uint64_t, int64_t> best{0, 0};
  for (const auto& [key, count] : counts) {
    if (count > best.second || (count == best.second && key < best.first)) best = {key, count};
  }
  return best;
}

void apply_merge(std::vector<Word>& words, int32_t left, int32_t right, int32_t merged) {
  for (Word& word : words) {
    std::vector<int32_t>& symbols = word.symbols;
    size_t out = 0;
    for (size_t pos = 0; pos < symbols.size(); ++pos) {
      if (pos + 1 < symbols.size() && symbols[pos] == left && symbols[pos + 1] == right) {
        symbols[out++] = merged;
        ++pos;
      } else {
        symbols[out++] = symbols[pos];
      }
    }
    symbols.resize(out);
  }
}

// Everything but the vocabulary itself: what read_gguf_tokenizer sets for a
// "gpt2" model with tokenizer.ggml.pre = qwen2.
Result<TokenizerSpec> empty_spec() {
  const std::optional<PreTokenizerPreset> preset = find_pre_tokenizer_preset(kPreTokenizer);
  if (!preset) return internal_error("pre-tokenizer preset ", kPreTokenizer, " is missing");
  TokenizerSpec spec;
  spec.pre_tokenizer = preset_pre_tokenizer(*preset);
  if (preset->nfc) spec.normalizer.push_back({NormalizerStep::Kind::kNfc, "", ""});
  spec.bpe.alphabet = BpeConfig::Alphabet::kBytes;
  spec.bpe.ignore_merges = preset->ignore_merges;
  DecoderStep byte_level;
  byte_level.kind = DecoderStep::Kind::kByteLevel;
  spec.decoder.push_back(byte_level);
  return spec;
}

Result<std::optional<int32_t>> added_id(const TokenizerSpec& spec, const std::string& content, const char* what) {
  if (content.empty()) return std::optional<int32_t>();
  for (const AddedToken& token : spec.added_tokens)
    if (token.content == content) return std::optional<int32_t>(token.id);
  return invalid_argument(what, " token '", content, "' is not one of the added tokens");
}

}  // namespace

std::vector<TrainerToken> qwen3_chat_tokens() {
  std::vector<TrainerToken> tokens;
  for (const char* control : {"<|endoftext|>", "<|im_start|>", "<|im_end|>"})
    tokens.push_back({control, TokenType::kControl});
  for (const char* marker : {"<think>", "</think>", "<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>"})
    tokens.push_back({marker, TokenType::kUserDefined});
  return tokens;
}

Result<TokenizerSpec> train_byte_level_bpe(const std::vector<std::string_view>& texts,
                                           const BpeTrainerOptions& options) {
  const int32_t added = static_cast<int32_t>(options.added_tokens.size());
  if (options.vocab_size < 256 + added) {
    return invalid_argument("vocabulary size ", options.vocab_size, " is below 256 bytes + ", added, " added tokens");
  }
  TokenizerSpec spec = TRY(empty_spec());
  // The added tokens get their final ids only after the merges; for splitting
  // the corpus any distinct ids do.
  for (int32_t index = 0; index < added; ++index) {
    const TrainerToken& token = options.added_tokens[index];
    if (token.content.empty()) return invalid_argument("an added token is empty");
    if (token.type != TokenType::kControl && token.type != TokenType::kUserDefined)
      return invalid_argument("added token '", token.content, "' must be control or user-defined");
    spec.added_tokens.push_back({.id = index, .content = token.content, .special = token.type == TokenType::kControl});
  }
  std::vector<Word> words = TRY(count_words(texts, spec));

  const ByteLevelAlphabet& alphabet = ByteLevelAlphabet::get();
  std::vector<std::string> bytes_of;  // raw bytes of each token
  for (int byte = 0; byte < 256; ++byte) bytes_of.push_back(std::string(1, static_cast<char>(byte)));
  const int32_t max_merges = options.vocab_size - 256 - added;
  while (static_cast<int32_t>(spec.merges.size()) < max_merges) {
    const auto [key, count] = best_pair(words);
    if (count < std::max<int64_t>(options.min_pair_count, 1)) break;
    const int32_t left = static_cast<int32_t>(key >> 32), right = static_cast<int32_t>(key & 0xFFFFFFFFu);
    const int32_t merged = static_cast<int32_t>(bytes_of.size());
    bytes_of.push_back(bytes_of[left] + bytes_of[right]);
    spec.merges.push_back({left, right, merged});
    apply_merge(words, left, right, merged);
  }

  for (const std::string& bytes : bytes_of) {
    spec.pieces.push_back(alphabet.encode(bytes));
    spec.types.push_back(TokenType::kNormal);
  }
  for (int32_t index = 0; index < added; ++index) {
    const int32_t id = static_cast<int32_t>(spec.pieces.size());
    spec.added_tokens[index].id = id;
    spec.pieces.push_back(options.added_tokens[index].content);
    spec.types.push_back(options.added_tokens[index].type);
  }
  spec.in_model.assign(spec.pieces.size(), true);
  spec.eos_id = TRY(added_id(spec, options.eos_token, "eos"));
  spec.pad_id = TRY(added_id(spec, options.pad_token, "pad"));
  spec.chat_template = options.chat_template;
  add_end_of_generation_ids(spec);
  return spec;
}

}  // namespace loom::text
