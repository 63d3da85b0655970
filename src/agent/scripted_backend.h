// ScriptedBackend: replays a script of model turns in order (for scenario
// tests and offline runs) and checks what the model was sent against each
// turn's expectations.
//
// Script turn: {"reasoning", "content", "tool_calls": [{"id", "name",
// "arguments": {...} | "arguments_text": "raw, maybe malformed" | "input":
// "freeform"}], "usage": {...}, "purpose": "turn"|"summarize",
// "expect_in_request": ["substring", ...], "expect_not_in_request": [...]}.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/backend.h"

namespace loom::agent {

class ScriptedBackend : public ModelBackend {
 public:
  // `turns` is the script's "turns" array.
  static Result<std::unique_ptr<ScriptedBackend>> create(nlohmann::json turns);
  static Result<std::unique_ptr<ScriptedBackend>> from_file(const std::string& path);

  Result<ModelTurn> complete(const ModelRequest& request) override;
  std::string describe() const override { return "scripted model"; }

  size_t turns_used() const;
  size_t turns_total() const { return turns_.size(); }
  // Every expectation that did not hold, as "turn N: ..." lines.
  std::vector<std::string> mismatches() const;
  std::vector<ModelRequest> requests() const;  // copies, for tests

 private:
  explicit ScriptedBackend(nlohmann::json turns) : turns_(std::move(turns)) {}
  nlohmann::json turns_;
  mutable std::mutex mutex_;
  size_t next_ = 0;
  std::vector<std::string> mismatches_;
  std::vector<ModelRequest> requests_;
};

// All the text a request carries, one item per line, for expectations.
std::string request_text(const ModelRequest& request);
// A script turn as the ModelTurn it stands for.
Result<ModelTurn> turn_from_script(const nlohmann::json& turn, size_t index);

}  // namespace loom::agent
