// BpeModel: byte-pair encoding of one pre-tokenized piece. Merges apply by
// rank (lowest first, leftmost on ties) with a heap over a linked list of
// symbols, so a piece of n symbols costs O(n log n) however long it is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace loom::text {

// Open-addressing map from a token pair to (rank, merged id).
class MergeTable {
 public:
  void reserve(size_t count);
  // Later inserts of the same pair replace earlier ones (as Hugging Face's
  // HashMap built from the merges list does).
  void insert(int32_t left, int32_t right, uint32_t rank, int32_t merged);
  // Returns false when the pair does not merge.
  bool find(int32_t left, int32_t right, uint32_t& rank, int32_t& merged) const;
  size_t size() const { return count_; }

 private:
  static uint64_t key_of(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  }
  size_t slot_of(uint64_t key) const { return (key * 0x9E3779B97F4A7C15ull) >> shift_; }
  void grow();
  std::vector<uint64_t> keys_;
  std::vector<uint64_t> values_;  // rank << 32 | merged id
  size_t count_ = 0;
  int shift_ = 64;
};

struct BpeMerge {
  int32_t left = 0, right = 0, merged = 0;
};

struct BpeConfig {
  // kBytes: a piece starts as one symbol per byte (byte-level vocabularies,
  // whose token texts are stored as raw bytes). kCharacters: one symbol per
  // UTF-8 character (SentencePiece-style vocabularies).
  enum class Alphabet { kBytes, kCharacters };
  Alphabet alphabet = Alphabet::kBytes;
  bool byte_fallback = false;      // unknown characters become <0xXX> tokens
  std::optional<int32_t> unk_id;   // otherwise unknown characters become this
  bool fuse_unk = false;           // consecutive unknowns become one unk
  bool ignore_merges = false;      // a piece that is itself a token is emitted whole
};

// Reusable buffers for one thread's encode calls.
struct BpeScratch {
  struct Symbol {
    int32_t id, prev, next;
  };
  struct Candidate {
    uint32_t rank;
    int32_t pos, merged;
  };
  std::vector<Symbol> symbols;
  std::vector<Candidate> heap;
};

class BpeModel {
 public:
  BpeModel() = default;
  // token_texts[id] is what the token matches in pre-tokenized text (raw
  // bytes for kBytes); in_model[id] says the id takes part in BPE (added
  // tokens that live outside the model's vocabulary do not). Merges are in
  // rank order; `ranks` (optional, same length) overrides the rank of each.
  BpeModel(BpeConfig config, const std::vector<std::string>& token_texts, const std::vector<bool>& in_model,
           const std::vector<BpeMerge>& merges, const std::vector<uint32_t>& ranks = {});

  const BpeConfig& config() const { return config_; }
  std::optional<int32_t> find(std::string_view text) const;
  const MergeTable& merges() const { return merges_; }

  void encode_piece(std::string_view piece, std::vector<int32_t>& out, BpeScratch& scratch) const;

 private:
  void initial_symbols(std::string_view piece, BpeScratch& scratch) const;
  void merge_all(BpeScratch& scratch) const;

  BpeConfig config_;
  std::unordered_map<std::string_view, int32_t> vocab_;  // views into texts_
  std::vector<std::string> texts_;
  std::vector<int32_t> byte_ids_;      // kBytes: id of each single byte; -1 when missing
  std::vector<int32_t> fallback_ids_;  // byte_fallback: id of <0xXX>; -1 when missing
  std::vector<int32_t> bmp_ids_;       // kCharacters: id of each one-character token below U+10000
  MergeTable merges_;
};

}  // namespace loom::text
