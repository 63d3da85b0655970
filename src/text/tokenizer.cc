// Tokenizer: the encode pipeline (added tokens, normalizer, pre-tokenizer,
// BPE, special ids) and decode through the decoder steps.
#include "text/tokenizer.h"

#include <algorithm>
#include <deque>

#include "text/unicode.h"

namespace loom::text {
namespace {

// Per-thread buffers reused across encode calls (bounded by the longest input).
struct EncodeScratch {
  BpeScratch bpe;
  std::vector<std::string_view> pieces;
  std::deque<std::string> arena;
  std::vector<AddedTokenMatcher::Segment> segments;
  std::vector<AddedTokenMatcher::Segment> normalized_segments;
};

EncodeScratch& encode_scratch() {
  thread_local EncodeScratch scratch;
  return scratch;
}

// The texts models use to end a turn, besides eos.
constexpr std::string_view kEndOfTurnTexts[] = {
    "<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<end_of_turn>", "<|return|>", "<|call|>",
    "<|endoftext|>", "<|end_of_text|>", "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>", "</s>",
};

}  // namespace

void add_end_of_generation_ids(TokenizerSpec& spec) {
  spec.end_of_generation_ids.clear();
  if (spec.eos_id) spec.end_of_generation_ids.push_back(*spec.eos_id);
  for (const AddedToken& token : spec.added_tokens) {
    if (!token.special) continue;
    for (std::string_view text : kEndOfTurnTexts) {
      if (token.content == text && std::find(spec.end_of_generation_ids.begin(), spec.end_of_generation_ids.end(),
                                             token.id) == spec.end_of_generation_ids.end()) {
        spec.end_of_generation_ids.push_back(token.id);
      }
    }
  }
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::from_spec(TokenizerSpec spec) {
  const size_t count = spec.pieces.size();
  if (spec.types.size() != count || spec.in_model.size() != count) {
    return internal_error("tokenizer spec: ", count, " pieces but ", spec.types.size(), " types and ",
                          spec.in_model.size(), " model flags");
  }
  for (const AddedToken& token : spec.added_tokens) {
    if (token.id < 0 || static_cast<size_t>(token.id) >= count) {
      return invalid_argument("added token '", token.content, "' has id ", token.id, " outside the vocabulary");
    }
  }
  for (auto id : {spec.bos_id, spec.eos_id, spec.unk_id, spec.pad_id}) {
    if (id && (*id < 0 || static_cast<size_t>(*id) >= count)) {
      return invalid_argument("special token id ", *id, " outside the vocabulary of ", count);
    }
  }
  std::unique_ptr<Tokenizer> tokenizer(new Tokenizer(std::move(spec)));
  const TokenizerSpec& s = tokenizer->spec_;

  // What BPE sees: raw bytes for byte-level vocabularies, the pieces otherwise.
  std::vector<std::string> texts(count);
  const bool byte_level = s.bpe.alphabet == BpeConfig::Alphabet::kBytes;
  for (size_t id = 0; id < count; ++id) {
    if (!s.in_model[id]) continue;
    if (byte_level) {
      auto bytes = ByteLevelAlphabet::get().decode(s.pieces[id]);
      texts[id] = bytes ? *bytes : s.pieces[id];
    } else {
      texts[id] = s.pieces[id];
    }
  }
  tokenizer->bpe_ = BpeModel(s.bpe, texts, s.in_model, s.merges, s.merge_ranks);
  tokenizer->pre_tokenizer_ = TRY(PreTokenizer::create(s.pre_tokenizer));
  tokenizer->normalizer_ = Normalizer(s.normalizer);

  std::vector<AddedToken> raw, normalized;
  for (const AddedToken& token : s.added_tokens) {
    // With no normalizer both kinds match the same text; one pass suffices.
    (token.normalized && !s.normalizer.empty() ? normalized : raw).push_back(token);
  }
  tokenizer->raw_matcher_ = AddedTokenMatcher(raw);
  tokenizer->normalized_matcher_ = AddedTokenMatcher(normalized);

  tokenizer->special_.assign(count, false);
  for (const AddedToken& token : s.added_tokens) tokenizer->special_[token.id] = token.special;
  tokenizer->token_bytes_.resize(count);
  tokenizer->piece_ids_.reserve(count);
  for (size_t id = 0; id < count; ++id) {
    tokenizer->token_bytes_[id] = s.decoder.empty() ? s.pieces[id] : piece_bytes(s.decoder, s.pieces[id]);
  }
  // Added tokens first so that their ids win for a text listed twice.
  for (const AddedToken& token : s.added_tokens) tokenizer->piece_ids_.emplace(s.pieces[token.id], token.id);
  for (size_t id = 0; id < count; ++id) tokenizer->piece_ids_.emplace(s.pieces[id], static_cast<int32_t>(id));
  for (const DecoderStep& step : s.decoder) {
    if ((step.kind == DecoderStep::Kind::kStrip && step.content == " " && step.start > 0) ||
        (step.kind == DecoderStep::Kind::kMetaspace && step.prepend_scheme != PrependScheme::kNever)) {
      tokenizer->strips_leading_space_ = true;
    }
  }
  return tokenizer;
}

void Tokenizer::encode_normalized(std::string_view text, bool at_text_start, std::vector<int32_t>& ids) const {
  EncodeScratch& scratch = encode_scratch();
  if (!pre_tokenizer_.split(text, at_text_start, scratch.pieces, scratch.arena).ok()) {
    // Only a regex resource limit fails here; the text then stays one piece.
    scratch.pieces.assign(1, text);
  }
  for (std::string_view piece : scratch.pieces) bpe_.encode_piece(piece, ids, scratch.bpe);
  scratch.arena.clear();
}

void Tokenizer::encode_text(std::string_view text, bool at_text_start, std::vector<int32_t>& ids) const {
  if (normalizer_.empty()) {
    encode_normalized(text, at_text_start, ids);
    return;
  }
  const std::string normalized = normalizer_.normalize(text);
  if (normalized_matcher_.empty()) {
    encode_normalized(normalized, at_text_start, ids);
    return;
  }
  std::vector<AddedTokenMatcher::Segment> segments;
  normalized_matcher_.split(normalized, segments);
  for (const auto& segment : segments) {
    if (segment.id >= 0) {
      ids.push_back(segment.id);
    } else {
      encode_normalized(std::string_view(normalized).substr(segment.start, segment.end - segment.start),
                        at_text_start && segment.start == 0, ids);
    }
  }
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special) const {
  std::string repaired;
  if (!is_valid_utf8(text)) {
    repaired = to_valid_utf8(text);
    text = repaired;
  }
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  if (add_special) ids.insert(ids.end(), spec_.prefix_ids.begin(), spec_.prefix_ids.end());
  std::vector<AddedTokenMatcher::Segment> segments;
  raw_matcher_.split(text, segments);
  for (const auto& segment : segments) {
    if (segment.id >= 0) ids.push_back(segment.id);
    else encode_text(text.substr(segment.start, segment.end - segment.start), segment.start == 0, ids);
  }
  if (add_special) ids.insert(ids.end(), spec_.suffix_ids.begin(), spec_.suffix_ids.end());
  return ids;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skip_special) const {
  std::vector<std::string> pieces;
  pieces.reserve(ids.size());
  for (int32_t id : ids) {
    if (id < 0 || id >= vocab_size()) continue;
    if (skip_special && special_[id]) continue;
    pieces.push_back(spec_.pieces[id]);
  }
  if (spec_.decoder.empty()) {
    // Hugging Face joins pieces with spaces when a tokenizer has no decoder.
    std::string joined;
    for (size_t index = 0; index < pieces.size(); ++index) joined += (index ? " " : "") + pieces[index];
    return to_valid_utf8(joined);
  }
  return run_decoder(spec_.decoder, std::move(pieces));
}

std::string_view Tokenizer::token_bytes(int32_t id) const {
  if (id < 0 || id >= vocab_size()) return {};
  return token_bytes_[id];
}

std::string_view Tokenizer::piece(int32_t id) const {
  if (id < 0 || id >= vocab_size()) return {};
  return spec_.pieces[id];
}

bool Tokenizer::is_special(int32_t id) const { return id >= 0 && id < vocab_size() && special_[id]; }

std::optional<int32_t> Tokenizer::token_id(std::string_view piece) const {
  auto it = piece_ids_.find(piece);
  if (it == piece_ids_.end()) return std::nullopt;
  return it->second;
}

}  // namespace loom::text
