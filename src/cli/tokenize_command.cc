// `loom tokenize` and `loom detokenize`: text <-> token ids with a model's
// tokenizer (a .gguf file, or a tokenizer.json with tokenizer_config.json
// beside it). Ids are JSON arrays on stdout / stdin.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/engine_options.h"
#include "model/gguf_file.h"
#include "text/tokenizer.h"

namespace loom::cli {
namespace {

struct TokenizeOptions {
  std::string tokenizer_path;
  bool lines = false;
  bool add_special = false;
  bool skip_special = false;
};

Result<std::unique_ptr<text::Tokenizer>> load_tokenizer(const std::string& path) {
  if (path.ends_with(".gguf")) {
    model::GgufFile file = TRY(model::GgufFile::open(path));
    return text::Tokenizer::from_gguf(file);
  }
  const std::filesystem::path config = std::filesystem::path(path).parent_path() / "tokenizer_config.json";
  std::error_code error;
  return text::Tokenizer::from_hf_files(path, std::filesystem::exists(config, error) ? config.string() : "");
}

std::string read_stdin() {
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

void print_ids(const std::vector<int32_t>& ids) {
  std::string out = "[";
  for (size_t index = 0; index < ids.size(); ++index) {
    if (index) out += ",";
    out += std::to_string(ids[index]);
  }
  out += "]\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
}

Status run_tokenize(const TokenizeOptions& options) {
  auto tokenizer = TRY(load_tokenizer(options.tokenizer_path));
  const std::string input = read_stdin();
  if (!options.lines) {
    print_ids(tokenizer->encode(input, options.add_special));
    return Status::ok_status();
  }
  size_t start = 0;
  while (start < input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string::npos) end = input.size();
    print_ids(tokenizer->encode(std::string_view(input).substr(start, end - start), options.add_special));
    start = end + 1;
  }
  return Status::ok_status();
}

Status run_detokenize(const TokenizeOptions& options) {
  auto tokenizer = TRY(load_tokenizer(options.tokenizer_path));
  const nlohmann::json parsed = nlohmann::json::parse(read_stdin(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_array()) return invalid_argument("stdin is not a JSON array of ids");
  std::vector<int32_t> ids;
  const int64_t vocab_size = tokenizer->vocab_size();
  for (const auto& id : parsed) {
    if (!id.is_number_integer()) return invalid_argument("stdin is not a JSON array of ids");
    // Checked in JSON's own width: get<int32_t> would wrap an id past 2^31
    // into range. Non-negative integers parse as unsigned, negative ones not.
    const bool in_range = id.is_number_unsigned() && id.get<uint64_t>() < static_cast<uint64_t>(vocab_size);
    if (!in_range) return out_of_range("token id ", id.dump(), " is outside the vocabulary (0..", vocab_size - 1, ")");
    ids.push_back(static_cast<int32_t>(id.get<uint64_t>()));
  }
  const std::string text = tokenizer->decode(ids, options.skip_special);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return Status::ok_status();
}

}  // namespace

void add_tokenize_commands(CLI::App& app, ExitCode& exit_code) {
  auto options = std::make_shared<TokenizeOptions>();
  CLI::App* tokenize = app.add_subcommand("tokenize", "Print the token ids of stdin as a JSON array");
  tokenize->add_option("--tokenizer", options->tokenizer_path, "A .gguf model or a tokenizer.json")
      ->required()
      ->check(CLI::ExistingFile);
  tokenize->add_flag("--lines", options->lines, "One JSON array per input line");
  tokenize->add_flag("--add-special", options->add_special, "Add the model's BOS/EOS");
  tokenize->callback([options, &exit_code] {
    if (Status status = run_tokenize(*options); !status.ok()) exit_code.value = report_error(status);
  });

  CLI::App* detokenize = app.add_subcommand("detokenize", "Print the text of a JSON array of token ids read from stdin");
  detokenize->add_option("--tokenizer", options->tokenizer_path, "A .gguf model or a tokenizer.json")
      ->required()
      ->check(CLI::ExistingFile);
  detokenize->add_flag("--skip-special", options->skip_special, "Leave out special tokens");
  detokenize->callback([options, &exit_code] {
    if (Status status = run_detokenize(*options); !status.ok()) exit_code.value = report_error(status);
  });
}

}  // namespace loom::cli
