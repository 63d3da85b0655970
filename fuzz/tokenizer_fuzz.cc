// libFuzzer target: arbitrary bytes through encode, decode and the streaming
// detokenizer of a small built-in byte-level vocabulary and a SentencePiece-
// style one (or of the tokenizer.json named by LOOM_FUZZ_TOKENIZER). Checks
// that byte-level BPE round-trips any input (after UTF-8 repair) and that
// every output is valid UTF-8.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "text/detokenizer.h"
#include "text/tokenizer.h"
#include "text/unicode.h"

namespace {

using namespace loom::text;

// 256 byte tokens, a few merges, two added tokens, Llama 3's split pattern.
std::unique_ptr<Tokenizer> byte_level_vocabulary() {
  TokenizerSpec spec;
  const ByteLevelAlphabet& alphabet = ByteLevelAlphabet::get();
  for (int byte = 0; byte < 256; ++byte) spec.pieces.push_back(alphabet.encode(std::string(1, static_cast<char>(byte))));
  const auto add_merge = [&](const std::string& left, const std::string& right) {
    const auto id_of = [&](const std::string& text) {
      for (size_t id = 0; id < spec.pieces.size(); ++id) {
        if (spec.pieces[id] == text) return static_cast<int32_t>(id);
      }
      spec.pieces.push_back(text);
      return static_cast<int32_t>(spec.pieces.size() - 1);
    };
    const std::string l = alphabet.encode(left), r = alphabet.encode(right);
    spec.merges.push_back({id_of(l), id_of(r), id_of(l + r)});
  };
  add_merge(" ", "t");
  add_merge("h", "e");
  add_merge(" t", "he");
  add_merge("a", "a");
  add_merge("aa", "aa");
  add_merge("\xE4", "\xBD");
  spec.in_model.assign(spec.pieces.size(), true);
  for (const char* content : {"<|im_start|>", "<think>"}) {
    spec.pieces.push_back(content);
    spec.in_model.push_back(false);
    spec.added_tokens.push_back({static_cast<int32_t>(spec.pieces.size() - 1), content, true});
  }
  spec.types.assign(spec.pieces.size(), TokenType::kNormal);
  PreTokenizerStep split;
  split.pattern =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
      "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  PreTokenizerStep byte_level;
  byte_level.kind = PreTokenizerStep::Kind::kByteLevel;
  spec.pre_tokenizer = {split, byte_level};
  DecoderStep decoder;
  decoder.kind = DecoderStep::Kind::kByteLevel;
  spec.decoder = {decoder};
  spec.bos_id = static_cast<int32_t>(spec.pieces.size() - 2);
  spec.prefix_ids = {*spec.bos_id};
  return std::move(*Tokenizer::from_spec(std::move(spec)));
}

// <unk>, <s>, </s>, 256 byte tokens, a few pieces; Llama 2's normalizer and decoder.
std::unique_ptr<Tokenizer> sentencepiece_vocabulary() {
  TokenizerSpec spec;
  spec.pieces = {"<unk>", "<s>", "</s>"};
  for (int byte = 0; byte < 256; ++byte) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", byte);
    spec.pieces.push_back(name);
  }
  const std::string marker = "\xE2\x96\x81";
  for (const std::string& piece : {marker, std::string("a"), std::string("b"), marker + "a", std::string("ab")}) {
    spec.pieces.push_back(piece);
  }
  const int32_t base = 259;
  spec.merges = {{base, base + 1, base + 3}, {base + 1, base + 2, base + 4}};
  spec.in_model.assign(spec.pieces.size(), true);
  spec.types.assign(spec.pieces.size(), TokenType::kNormal);
  spec.added_tokens = {{0, "<unk>", true}, {1, "<s>", true}, {2, "</s>", true}};
  spec.bpe.alphabet = BpeConfig::Alphabet::kCharacters;
  spec.bpe.byte_fallback = true;
  spec.bpe.unk_id = 0;
  spec.bpe.fuse_unk = true;
  spec.normalizer = {{NormalizerStep::Kind::kPrepend, "", marker}, {NormalizerStep::Kind::kReplace, " ", marker}};
  DecoderStep replace, fallback, fuse, strip;
  replace.kind = DecoderStep::Kind::kReplace;
  replace.pattern = marker;
  replace.content = " ";
  fallback.kind = DecoderStep::Kind::kByteFallback;
  fuse.kind = DecoderStep::Kind::kFuse;
  strip.kind = DecoderStep::Kind::kStrip;
  strip.content = " ";
  strip.start = 1;
  spec.decoder = {replace, fallback, fuse, strip};
  spec.bos_id = 1;
  spec.prefix_ids = {1};
  return std::move(*Tokenizer::from_spec(std::move(spec)));
}

void check_streaming(const Tokenizer& tokenizer, const std::vector<int32_t>& ids) {
  StreamingDetokenizer stream(tokenizer, SpecialTokens::kKeep);
  for (int32_t id : ids) {
    if (!loom::is_valid_utf8(stream.push(id))) std::abort();
  }
  if (!loom::is_valid_utf8(stream.flush())) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::unique_ptr<Tokenizer> byte_level = byte_level_vocabulary();
  static const std::unique_ptr<Tokenizer> sentencepiece = sentencepiece_vocabulary();
  static const std::unique_ptr<Tokenizer> from_file = [] {
    const char* path = std::getenv("LOOM_FUZZ_TOKENIZER");
    if (path == nullptr) return std::unique_ptr<Tokenizer>();
    auto loaded = Tokenizer::from_hf_files(path, "");
    return loaded.ok() ? std::move(*loaded) : std::unique_ptr<Tokenizer>();
  }();
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const auto ids = byte_level->encode(input, true);
  // Byte-level BPE loses nothing but invalid UTF-8; added tokens decode to
  // their own text. The first id is the BOS encode added.
  const std::string text = byte_level->decode(std::span(ids).subspan(1), /*skip_special=*/false);
  if (text != loom::to_valid_utf8(input)) std::abort();
  check_streaming(*byte_level, ids);

  for (const Tokenizer* tokenizer : {sentencepiece.get(), from_file.get()}) {
    if (tokenizer == nullptr) continue;
    const auto encoded = tokenizer->encode(input, size % 2 == 0);
    if (!loom::is_valid_utf8(tokenizer->decode(encoded, false))) std::abort();
    check_streaming(*tokenizer, encoded);
    // The input read as ids, in range or not.
    std::vector<int32_t> raw_ids;
    for (size_t pos = 0; pos + 2 <= size; pos += 2) raw_ids.push_back(static_cast<int16_t>(data[pos] | data[pos + 1] << 8));
    if (!loom::is_valid_utf8(tokenizer->decode(raw_ids, size % 3 == 0))) std::abort();
    check_streaming(*tokenizer, raw_ids);
  }
  return 0;
}
