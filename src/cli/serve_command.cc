// `loom serve`: the OpenAI-compatible HTTP server, on a model
// (`loom serve MODEL.gguf`; without one, the bundled model under models/) or
// on a replay script for tests without weights
// (`loom serve --replay SCRIPT.json --tokenizer tokenizer.json|MODEL.gguf`).
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <pthread.h>

#include "cli/commands.h"
#include "cli/engine_options.h"
#include "inprocess/bundled_model.h"
#include "model/gguf_file.h"
#include "model/model.h"
#include "runtime/engine.h"
#include "server/model_backend.h"
#include "server/replay_backend.h"
#include "server/server.h"

namespace loom::cli {
namespace {

struct ServeOptions {
  std::string model_path;
  std::string replay_path;
  std::string tokenizer_path;
  std::string model_name;
  std::string family;
  std::string api_key_file;
  std::string reasoning_config;
  server::ServerOptions server;
  double max_body_mb = 16;
  double shutdown_grace_s = 10;
  EngineOptions engine;
  runtime::EngineOptions batching;
};

// Waits for SIGINT/SIGTERM (blocked in every thread) and shuts the server down
// gracefully: in-flight generations get `grace` to finish, then are cancelled.
class SignalWatcher {
 public:
  SignalWatcher(server::Server& server, std::chrono::milliseconds grace)
      : thread_([this, &server, grace] { watch(server, grace); }) {}
  ~SignalWatcher() {
    done_.store(true);
    thread_.join();
  }

 private:
  void watch(server::Server& server, std::chrono::milliseconds grace) {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    const timespec poll{0, 100'000'000};
    while (!done_.load()) {
      if (sigtimedwait(&signals, nullptr, &poll) > 0) {
        std::fprintf(stderr, "loom serve: shutting down (in-flight requests get up to %lld ms)\n",
                     static_cast<long long>(grace.count()));
        server.shutdown(grace);
        return;
      }
    }
  }
  std::atomic<bool> done_{false};
  std::thread thread_;
};

void block_shutdown_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

Result<std::unique_ptr<text::Tokenizer>> load_tokenizer(const std::string& path) {
  if (path.ends_with(".gguf")) {
    const model::GgufFile file = TRY(model::GgufFile::open(path));
    return text::Tokenizer::from_gguf(file);
  }
  const std::filesystem::path config = std::filesystem::path(path).parent_path() / "tokenizer_config.json";
  return text::Tokenizer::from_hf_files(path, std::filesystem::exists(config) ? config.string() : "");
}

Status serve(server::Server& http, const ServeOptions& options, const std::string& what) {
  TRY(http.bind());
  std::fprintf(stderr, "loom serve: %s on http://%s:%d\n", what.c_str(), options.server.host.c_str(), http.port());
  std::fflush(stderr);
  SignalWatcher watcher(http, std::chrono::milliseconds(static_cast<int64_t>(options.shutdown_grace_s * 1000)));
  return http.serve();
}

Status run_serve(ServeOptions& options) {
  block_shutdown_signals();
  options.server.max_body_bytes = static_cast<size_t>(options.max_body_mb * 1024 * 1024);
  if (!options.api_key_file.empty()) options.server.api_keys = TRY(server::load_api_keys(options.api_key_file));
  server::ServingModelOptions model_options;
  if (!options.family.empty()) model_options.family = TRY(chat::parse_family(options.family));
  if (!options.reasoning_config.empty()) model_options.reasoning = TRY(reasoning::load_reasoning_settings(options.reasoning_config));

  if (!options.replay_path.empty()) {
    const std::string tokenizer_path = options.tokenizer_path.empty() ? options.model_path : options.tokenizer_path;
    if (tokenizer_path.empty()) return invalid_argument("--replay needs --tokenizer (tokenizer.json or a .gguf)");
    const std::unique_ptr<text::Tokenizer> tokenizer = TRY(load_tokenizer(tokenizer_path));
    model_options.id = options.model_name.empty() ? "loom-replay" : options.model_name;
    model_options.context_length = options.engine.context > 0 ? options.engine.context : 131072;
    const server::ServingModel model = TRY(server::ServingModel::create(*tokenizer, model_options));
    auto backend = TRY(server::ReplayBackend::from_file(options.replay_path, *tokenizer, model_options.context_length));
    server::Server http(model, *backend, options.server);
    return serve(http, options, str_cat("replaying ", options.replay_path, " (", chat::family_name(model.family()), ")"));
  }

  std::string model_path = options.model_path;
  if (model_path.empty()) {
    const std::optional<std::filesystem::path> bundled = inprocess::find_bundled_model();
    if (!bundled) {
      return invalid_argument("give a MODEL.gguf or --replay SCRIPT.json (no bundled model models/",
                              inprocess::kBundledModelFile, " was found)");
    }
    model_path = bundled->string();
  }
  TRY(apply_engine_options(options.engine));
  auto loaded = TRY(model::Model::load(model_path));
  auto tokenizer = TRY(text::Tokenizer::from_gguf(loaded->file()));
  const int64_t context = options.engine.context > 0 ? options.engine.context
                                                      : std::min<int64_t>(loaded->hparams().max_position_embeddings, 8192);
  ThreadPool pool(options.engine.threads);
  runtime::EngineOptions batching = options.batching;
  batching.context = context;
  batching.kv_type = TRY(kv_cache_type(options.engine));
  const std::unique_ptr<runtime::Engine> engine = TRY(runtime::Engine::create(*loaded, *tokenizer, pool, batching));
  model_options.id = options.model_name.empty() ? std::filesystem::path(model_path).stem().string() : options.model_name;
  model_options.context_length = context;
  const server::ServingModel model = TRY(server::ServingModel::create(*tokenizer, model_options));
  server::ModelBackend backend(*engine, model.family());
  server::Server http(model, backend, options.server);
  const runtime::EngineOptions& used = engine->options();
  return serve(http, options,
               str_cat("serving ", model_options.id, " (", chat::family_name(model.family()), ", context ", context,
                       ", up to ", used.max_sequences, " sequences at once, KV pool of ",
                       engine->stats().kv_blocks_total * used.block_size, " tokens)"));
}

}  // namespace

void add_serve_command(CLI::App& app, ExitCode& exit_code) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* command = app.add_subcommand("serve", "OpenAI-compatible HTTP server (chat completions, responses, models)");
  command->add_option("model", options->model_path, "MODEL.gguf to serve (default: the bundled models/loom-agent.gguf)")->check(CLI::ExistingFile);
  command->add_option("--replay", options->replay_path, "Answer with the scripted raw outputs of SCRIPT.json (docs/api.md)")
      ->check(CLI::ExistingFile);
  command->add_option("--tokenizer", options->tokenizer_path, "tokenizer.json (with tokenizer_config.json beside it) or a .gguf, for --replay")
      ->check(CLI::ExistingFile);
  command->add_option("--host", options->server.host, "Address to bind")->capture_default_str();
  command->add_option("--port", options->server.port, "Port to bind (0: any free port)")->capture_default_str()
      ->check(CLI::Range(0, 65535));
  command->add_option("--model-name", options->model_name, "Model id listed by /v1/models");
  command->add_option("--family", options->family, "Output format family (default: detected from the chat template)");
  command->add_option("--api-keys,--api-key-file", options->api_key_file,
                      "File with one API key per line, with optional name=, rpm=, tpm=, max_body_kb= (docs/api.md); "
                      "requests then need Authorization: Bearer KEY")
      ->check(CLI::ExistingFile);
  command->add_option("--reasoning-config", options->reasoning_config,
                      "JSON file: reasoning budgets per effort, \"router\" and \"escalation\" thresholds (docs/reasoning.md)")
      ->check(CLI::ExistingFile);
  command->add_option("--max-body-mb", options->max_body_mb, "Largest request body in MiB")->capture_default_str();
  command->add_option("--price-input", options->server.prices.input, "USD per million input tokens")->capture_default_str();
  command->add_option("--price-cached", options->server.prices.cached_input, "USD per million cached input tokens")->capture_default_str();
  command->add_option("--price-output", options->server.prices.output, "USD per million output tokens")->capture_default_str();
  command->add_option("--shutdown-grace", options->shutdown_grace_s,
                      "Seconds in-flight requests may run after SIGINT/SIGTERM before they are cancelled")
      ->capture_default_str();
  command->add_option("--http-threads", options->server.http_threads, "HTTP worker threads")->capture_default_str();
  add_engine_options(*command, options->engine);
  command->add_option("--parallel", options->batching.max_sequences,
                      "Most sequences decoded together in one batch; further requests wait in a queue")
      ->capture_default_str();
  command->add_option("--kv-tokens", options->batching.kv_tokens,
                      "Size of the shared paged KV cache in tokens, over all sequences (0: 4 x --ctx). Cached "
                      "prefixes live here too; a prompt larger than the whole cache is refused")
      ->capture_default_str();
  command->add_option("--prefill-chunk", options->batching.prefill_chunk,
                      "Most prompt tokens computed per batch step, so long prompts do not stall running streams")
      ->capture_default_str();
  command->callback([options, &exit_code] {
    if (Status status = run_serve(*options); !status.ok()) exit_code.value = report_error(status);
  });
}

}  // namespace loom::cli
