// `loom train-tokenizer`: learns loom's byte-level BPE agent vocabulary (the
// Qwen3 chat tokens, loom's chat template) from corpus files and writes it as
// a GGUF file holding only tokenizer metadata, the input of `loom train`.
#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/engine_options.h"
#include "curriculum/corpus.h"
#include "model/gguf_writer.h"
#include "text/gguf_vocab.h"

namespace loom::cli {
namespace {

struct TrainTokenizerOptions {
  std::vector<std::string> corpus;
  int32_t vocab_size = 2048;
  std::string out;
};

// A .jsonl corpus gives one text per line (its segments joined); any other
// file is one text.
Status read_texts(const std::string& path, std::vector<std::string>& texts) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot open ", path);
  if (!path.ends_with(".jsonl")) {
    std::stringstream buffer;
    buffer << in.rdbuf();
    texts.push_back(buffer.str());
    return {};
  }
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const nlohmann::json parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("segments") || !parsed["segments"].is_array())
      return invalid_argument(path, ":", number, ": not a {\"segments\": [...]} line");
    std::string text;
    for (const auto& segment : parsed["segments"]) {
      if (!segment.is_object() || !segment.contains("text") || !segment["text"].is_string())
        return invalid_argument(path, ":", number, ": a segment without text");
      text += segment["text"].get<std::string>();
    }
    texts.push_back(std::move(text));
  }
  return {};
}

Status run_train_tokenizer(const TrainTokenizerOptions& options) {
  std::vector<std::string> texts;
  for (const std::string& path : options.corpus) TRY(read_texts(path, texts));
  const std::vector<std::string_view> views(texts.begin(), texts.end());
  const text::TokenizerSpec spec =
      TRY(text::train_byte_level_bpe(views, curriculum::agent_tokenizer_options(options.vocab_size)));
  model::GgufWriter writer;
  writer.set_string("general.name", "loom agent tokenizer");
  TRY(text::write_gguf_tokenizer(spec, writer));
  TRY(writer.write(options.out));
  std::fprintf(stderr, "wrote %s: %zu tokens (%zu merges) from %zu texts\n", options.out.c_str(), spec.pieces.size(),
               spec.merges.size(), texts.size());
  return {};
}

}  // namespace

void add_train_tokenizer_command(CLI::App& app, ExitCode& exit_code) {
  auto options = std::make_shared<TrainTokenizerOptions>();
  CLI::App* command = app.add_subcommand(
      "train-tokenizer", "Learn a byte-level BPE vocabulary with the Qwen3 chat tokens and loom's chat template");
  command->add_option("--corpus", options->corpus, "Training text: .jsonl corpus files (segments) or plain text files")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--vocab-size", options->vocab_size,
                      "Total vocabulary: 256 byte tokens + merges + 9 chat tokens")
      ->capture_default_str();
  command->add_option("--out,-o", options->out, "Output .gguf (tokenizer metadata and chat template only)")->required();
  command->callback([options, &exit_code] {
    if (Status status = run_train_tokenizer(*options); !status.ok()) exit_code.value = report_error(status);
  });
}

}  // namespace loom::cli
