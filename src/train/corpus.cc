// JSONL conversations -> token ids and loss masks (see corpus.h).
#include "train/corpus.h"

#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

namespace loom::train {

Result<Example> parse_example(std::string_view line, const text::Tokenizer& tokenizer) {
  const nlohmann::json json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return invalid_argument("not valid JSON");
  if (!json.is_object() || !json.contains("segments") || !json["segments"].is_array()) {
    return invalid_argument("expected an object with a \"segments\" array");
  }
  Example example;
  const std::vector<int32_t>& prefix = tokenizer.spec().prefix_ids;
  example.tokens = prefix;
  example.loss_mask.assign(prefix.size(), 0);
  for (const nlohmann::json& segment : json["segments"]) {
    if (!segment.is_object() || !segment.contains("text") || !segment["text"].is_string()) {
      return invalid_argument("a segment needs a \"text\" string");
    }
    bool train = false;
    if (segment.contains("train")) {
      if (!segment["train"].is_boolean()) return invalid_argument("\"train\" must be true or false");
      train = segment["train"].get<bool>();
    }
    const std::vector<int32_t> ids = tokenizer.encode(segment["text"].get<std::string>(), /*add_special=*/false);
    example.tokens.insert(example.tokens.end(), ids.begin(), ids.end());
    example.loss_mask.insert(example.loss_mask.end(), ids.size(), train ? 1 : 0);
  }
  return example;
}

void add_example(Corpus& corpus, Example example, int64_t context_length) {
  if (static_cast<int64_t>(example.tokens.size()) > context_length + 1) {
    example.tokens.resize(context_length + 1);
    example.loss_mask.resize(context_length + 1);
    ++corpus.truncated;
  }
  // The first token is never a target.
  const int64_t targets = example.tokens.size() < 2 ? 0 : std::count(example.loss_mask.begin() + 1, example.loss_mask.end(), 1);
  if (targets == 0) {
    ++corpus.skipped;
    return;
  }
  corpus.input_tokens += example.input_count();
  corpus.target_tokens += targets;
  corpus.examples.push_back(std::move(example));
}

Result<Corpus> load_corpus(const std::string& path, const text::Tokenizer& tokenizer, int64_t context_length,
                           ThreadPool& pool) {
  std::ifstream in(path);
  if (!in) return not_found("cannot open ", path);
  std::vector<std::string> lines;
  std::vector<int64_t> line_numbers;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    lines.push_back(std::move(line));
    line_numbers.push_back(number);
  }
  std::vector<Result<Example>> parsed(lines.size(), Result<Example>(Example{}));
  pool.parallel_for(static_cast<int64_t>(lines.size()), [&](int64_t begin, int64_t end, int) {
    for (int64_t i = begin; i < end; ++i) parsed[i] = parse_example(lines[i], tokenizer);
  });
  Corpus corpus;
  for (size_t i = 0; i < parsed.size(); ++i) {
    if (!parsed[i].ok()) return invalid_argument(path, ":", line_numbers[i], ": ", parsed[i].status().message());
    ++corpus.lines;
    add_example(corpus, std::move(*parsed[i]), context_length);
  }
  if (corpus.examples.empty()) return invalid_argument(path, ": no conversation with a train:true segment");
  return corpus;
}

}  // namespace loom::train
