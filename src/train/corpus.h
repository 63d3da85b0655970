// Training data: JSONL, one conversation per line,
//   {"segments": [{"text": "...", "train": false}, {"text": "...", "train": true}, ...]}
// Each segment is tokenized on its own (special tokens such as <|im_start|>
// are parsed) and the pieces are concatenated after the tokenizer's prefix
// (BOS where the vocabulary asks for one). The loss is taken on the tokens of
// train:true segments. A conversation longer than the context is truncated to
// context + 1 tokens (context inputs, their next-token targets) and counted.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "text/tokenizer.h"

namespace loom::train {

struct Example {
  std::vector<int32_t> tokens;
  std::vector<uint8_t> loss_mask;  // per token: 1 if predicting it counts
  int64_t input_count() const { return static_cast<int64_t>(tokens.size()) - 1; }
};

struct Corpus {
  std::vector<Example> examples;
  int64_t lines = 0;
  int64_t truncated = 0;         // examples cut to the context
  int64_t skipped = 0;           // examples with nothing to learn (no target token, or one token)
  int64_t input_tokens = 0;      // sum of input_count()
  int64_t target_tokens = 0;     // tokens the loss is taken on
};

// One JSONL line to an example (tokens and mask; not yet truncated).
Result<Example> parse_example(std::string_view line, const text::Tokenizer& tokenizer);

// Adds an example, truncated to context + 1 tokens; skips it if it has no
// target left.
void add_example(Corpus& corpus, Example example, int64_t context_length);

// Reads a JSONL file, tokenizing its lines on the pool's threads (the
// examples keep the file's order); errors name the file and line.
Result<Corpus> load_corpus(const std::string& path, const text::Tokenizer& tokenizer, int64_t context_length,
                           ThreadPool& pool);

}  // namespace loom::train
