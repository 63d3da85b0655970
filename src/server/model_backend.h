// ModelBackend: tokens sampled by runtime::Generator from a loaded model.
// One sequence at a time: requests queue on a mutex and run in arrival order
// on the calling thread (continuous batching and a paged prefix cache are not
// built yet). The generator keeps the previous sequence's KV cache, so a
// conversation that re-sends its history only computes the new suffix.
#pragma once

#include <memory>
#include <mutex>

#include "chat/family.h"
#include "runtime/generator.h"
#include "sample/token_mask.h"
#include "server/backend.h"

namespace loom::server {

class ModelBackend : public CompletionBackend {
 public:
  // The generator (and what it refers to) must outlive the backend. `family`
  // decides the tool-call envelope used for tool_choice=required.
  ModelBackend(runtime::Generator& generator, chat::Family family);

  Result<BackendResult> generate(const BackendRequest& request, const TokenCallback& on_token,
                                 const std::atomic<bool>& cancelled) override;
  int64_t context_length() const override { return generator_.context(); }
  int64_t queue_depth() const { return waiting_.load(); }

 private:
  // A grammar constraint for required tool calls or JSON output; null when free.
  Result<std::unique_ptr<sample::GrammarConstraint>> constraint_for(const BackendRequest& request);

  runtime::Generator& generator_;
  chat::Family family_;
  std::shared_ptr<const sample::VocabTrie> vocab_;
  std::mutex mutex_;
  std::atomic<int64_t> waiting_{0};
};

}  // namespace loom::server
