// LocalModel: a GGUF model loaded for in-process use, with everything the
// server's generation path needs around it (tokenizer, compute pool,
// serving engine, ServingModel, CompletionBackend), owned together so that one
// object keeps them alive in the right order.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "base/status.h"
#include "base/thread_pool.h"
#include "chat/family.h"
#include "model/model.h"
#include "runtime/engine.h"
#include "server/model_backend.h"
#include "server/serving_model.h"
#include "tensor/dtype.h"
#include "text/tokenizer.h"

namespace loom::inprocess {

struct LocalModelOptions {
  int threads = 0;                                // 0: one per core
  tensor::DType kv_type = tensor::DType::kF16;
  int64_t context = 0;                            // 0: the model's, at most 8192 (as loom serve)
  std::optional<chat::Family> family{};           // default: detected from the chat template
};

class LocalModel {
 public:
  static Result<std::unique_ptr<LocalModel>> load(const std::filesystem::path& path, const LocalModelOptions& options);

  const server::ServingModel& serving_model() const { return *serving_model_; }
  server::CompletionBackend& backend() { return *backend_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  LocalModel() = default;

  std::filesystem::path path_;
  std::unique_ptr<model::Model> model_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<runtime::Engine> engine_;
  std::optional<server::ServingModel> serving_model_;
  std::unique_ptr<server::ModelBackend> backend_;
};

}  // namespace loom::inprocess
