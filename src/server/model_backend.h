// ModelBackend: tokens sampled by runtime::Engine from a loaded model. Each
// HTTP thread submits its request to the engine, which batches it with the
// others (continuous batching over a paged KV cache with a prefix cache), and
// runs the token callback itself on the events the engine queues for it, so a
// slow client never stalls the batch.
#pragma once

#include <memory>
#include <string>

#include "chat/family.h"
#include "runtime/engine.h"
#include "sample/token_mask.h"
#include "server/backend.h"

namespace loom::server {

class ModelBackend : public CompletionBackend {
 public:
  // The engine (and what it refers to) must outlive the backend. `family`
  // decides the tool-call envelope used for tool_choice=required.
  ModelBackend(runtime::Engine& engine, chat::Family family);

  Result<BackendResult> generate(const BackendRequest& request, const TokenCallback& on_token,
                                 const std::atomic<bool>& cancelled) override;
  int64_t context_length() const override { return engine_.context(); }
  int64_t queue_depth() const { return engine_.stats().waiting; }
  // The engine's gauges and counters in Prometheus text format, for /metrics.
  std::string metrics_text() const override;

 private:
  // A grammar constraint for required tool calls or JSON output; null when free.
  Result<std::unique_ptr<sample::GrammarConstraint>> constraint_for(const BackendRequest& request);

  runtime::Engine& engine_;
  chat::Family family_;
  std::shared_ptr<const sample::VocabTrie> vocab_;
};

}  // namespace loom::server
