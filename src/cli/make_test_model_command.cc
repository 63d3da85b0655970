// `loom make-test-model`: writes a random-weight GGUF with the exact tensor
// names, shapes and metadata of a real model, for tests and benchmarks.
#include <unistd.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/engine_options.h"
#include <filesystem>

#include "model/test_model.h"
#include "text/gguf_vocab.h"
#include "text/tokenizer.h"

namespace loom::cli {
namespace {

struct MakeTestModelOptions {
  model::TestModelOptions model;
  std::string tokenizer_json;
  std::string out;
};

Status run_make_test_model(MakeTestModelOptions options) {
  if (!options.tokenizer_json.empty()) {
    // A real vocabulary and chat template: tokenizer_config.json sits beside tokenizer.json.
    const auto config = std::filesystem::path(options.tokenizer_json).parent_path() / "tokenizer_config.json";
    const std::string config_path = std::filesystem::exists(config) ? config.string() : "";
    auto tokenizer = TRY(text::Tokenizer::from_hf_files(options.tokenizer_json, config_path));
    options.model.vocab_size_override = tokenizer->vocab_size();
    options.model.write_tokenizer = [json = options.tokenizer_json, config_path](model::GgufWriter& writer) {
      return text::write_gguf_tokenizer(json, config_path, writer);
    };
  }
  // Large shapes take minutes: one progress line, rewritten in place on a terminal.
  const bool terminal = isatty(fileno(stderr)) != 0;
  options.model.on_layer = [terminal](int64_t layer, int64_t layers) {
    std::fprintf(stderr, "%slayer %lld/%lld%s", terminal ? "\r" : "", static_cast<long long>(layer),
                 static_cast<long long>(layers), terminal && layer < layers ? "" : "\n");
  };
  TRY(model::write_test_model(options.model, options.out));
  std::fprintf(stderr, "wrote %s (%s %s, %s, seed %llu)\n", options.out.c_str(), options.model.architecture.c_str(),
               options.model.shape.c_str(), options.model.type.c_str(),
               static_cast<unsigned long long>(options.model.seed));
  return {};
}

}  // namespace

void add_make_test_model_command(CLI::App& app, ExitCode& exit_code) {
  auto options = std::make_shared<MakeTestModelOptions>();
  CLI::App* command = app.add_subcommand(
      "make-test-model", "Write a random-weight GGUF with the exact shapes and metadata of a real model");
  command->add_option("--arch", options->model.architecture, "llama, qwen2 or qwen3")->capture_default_str();
  command->add_option("--shape", options->model.shape,
                      "tiny, or a real shape: llama: tiny-llama3, llama-3.2-1b, llama-3.2-3b, llama-3.1-8b, "
                      "mistral-7b; qwen2: qwen2.5-0.5b, qwen2.5-1.5b; qwen3: qwen3-0.6b, qwen3-1.7b, qwen3-4b")
      ->capture_default_str();
  command->add_option("--type", options->model.type, "f32, f16, bf16, q8_0, q4_0, q4_k, q6_k or q4_k_m")
      ->capture_default_str();
  command->add_option("--seed", options->model.seed, "Random seed")->capture_default_str();
  command->add_option("--tokenizer", options->tokenizer_json,
                      "A Hugging Face tokenizer.json whose vocabulary (and chat template, from the "
                      "tokenizer_config.json beside it) the model carries; default: a synthetic vocabulary")
      ->check(CLI::ExistingFile);
  command->add_option("--out,-o", options->out, "Output .gguf path")->required();
  command->callback([options, &exit_code] {
    if (Status status = run_make_test_model(*options); !status.ok()) exit_code.value = report_error(status);
  });
}

}  // namespace loom::cli
