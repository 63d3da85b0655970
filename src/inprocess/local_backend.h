// LocalBackend: the agent's model calls answered by a model loaded in this
// process, through the server's own generation path (ServingModel::prepare,
// run_generation with the family's output parser, a CompletionBackend that
// constrains tool calls by grammar) without HTTP. Streams reasoning and
// content as the parser releases them.
#pragma once

#include <string>

#include "agent/backend.h"
#include "inprocess/agent_request.h"
#include "server/backend.h"
#include "server/generation.h"
#include "server/serving_model.h"

namespace loom::inprocess {

struct LocalBackendOptions {
  TurnSampling sampling{};
  server::Prices prices{};
};

class LocalBackend : public agent::ModelBackend {
 public:
  // `model` and `backend` must outlive this object.
  LocalBackend(const server::ServingModel& model, server::CompletionBackend& backend, LocalBackendOptions options)
      : model_(model), backend_(backend), options_(std::move(options)) {}

  Result<agent::ModelTurn> complete(const agent::ModelRequest& request) override;
  std::string describe() const override;

 private:
  const server::ServingModel& model_;
  server::CompletionBackend& backend_;
  LocalBackendOptions options_;
  int64_t calls_ = 0;
};

}  // namespace loom::inprocess
