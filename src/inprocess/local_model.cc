// Loading a model for in-process generation, the way `loom serve` does.
#include "inprocess/local_model.h"

namespace loom::inprocess {

Result<std::unique_ptr<LocalModel>> LocalModel::load(const std::filesystem::path& path, const LocalModelOptions& options) {
  std::unique_ptr<LocalModel> local(new LocalModel());
  local->path_ = path;
  local->model_ = TRY(model::Model::load(path.string()));
  local->tokenizer_ = TRY(text::Tokenizer::from_gguf(local->model_->file()));
  const int64_t context = options.context > 0
                              ? options.context
                              : std::min<int64_t>(local->model_->hparams().max_position_embeddings, 8192);
  local->pool_ = std::make_unique<ThreadPool>(options.threads);
  local->engine_ = TRY(runtime::Engine::create(*local->model_, *local->tokenizer_, *local->pool_,
                                               {.context = context, .kv_type = options.kv_type}));
  server::ServingModelOptions serving{.id = path.stem().string(), .context_length = context, .family = options.family};
  local->serving_model_.emplace(TRY(server::ServingModel::create(*local->tokenizer_, std::move(serving))));
  local->backend_ = std::make_unique<server::ModelBackend>(*local->engine_, local->serving_model_->family());
  return local;
}

}  // namespace loom::inprocess
