// Running a scenario folder (workspace/, script.json, expected/) through the
// agent loop with any backend, and checking the outcome; shared by the
// scripted-backend scenarios and the HTTP backend tests.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/loop.h"
#include "agent/tools.h"
#include "agent/transcript.h"
#include "agent_test_support.h"

namespace loom::agent::testing {

namespace fs = std::filesystem;

inline nlohmann::json read_json(const fs::path& path) {
  return nlohmann::json::parse(read_file(path), nullptr, /*allow_exceptions=*/false);
}

struct ScenarioRun {
  Status status{};
  LoopResult result{};
  fs::path workspace{};
  fs::path transcript{};
  std::vector<LoopResult> earlier_runs{};  // before an interruption
};

// Drops every transcript line after the last assistant item, as if the
// process had been killed while that turn's tool calls ran.
inline void cut_transcript_after_last_assistant(const fs::path& path) {
  std::istringstream lines(read_file(path));
  std::vector<std::string> kept;
  size_t last_assistant = 0;
  std::string line;
  while (std::getline(lines, line)) {
    kept.push_back(line);
    const auto event = nlohmann::json::parse(line, nullptr, false);
    if (!event.is_discarded() && event.value("type", "") == "item" && event["item"].value("role", "") == "assistant")
      last_assistant = kept.size();
  }
  kept.resize(last_assistant);
  std::string text;
  for (const std::string& kept_line : kept) text += kept_line + "\n";
  write_file(path, text);
}

// Options in script.json: max_turns, context_tokens, max_parallel,
// interrupt_after_turns (stop there, cut the transcript mid-turn, resume).
inline ScenarioRun run_scenario(const fs::path& dir, const nlohmann::json& script, ModelBackend& backend,
                                const fs::path& temp) {
  ScenarioRun run;
  run.workspace = temp / "workspace";
  run.transcript = temp / "transcript.jsonl";
  fs::create_directories(run.workspace);
  if (fs::exists(dir / "workspace")) fs::copy(dir / "workspace", run.workspace, fs::copy_options::recursive);
  const nlohmann::json options = script.value("options", nlohmann::json::object());
  const SandboxMode mode = check_sandbox_available().ok() ? SandboxMode::kWorkspaceWrite : SandboxMode::kFullAccess;
  auto workspace = Workspace::open(run.workspace, mode);
  if (!workspace.ok()) return {.status = workspace.status()};
  ToolContext context(*workspace, ApprovalPolicy::kNever, nullptr);
  const ToolRegistry registry = default_tool_registry();
  LoopOptions loop_options{.max_turns = options.value("max_turns", 20),
                           .compaction = {.context_tokens = options.value("context_tokens", int64_t{128000})},
                           .executor = {.max_parallel = options.value("max_parallel", 4)}};
  const int interrupt_after = options.value("interrupt_after_turns", 0);
  {
    auto transcript = TranscriptWriter::open(run.transcript);
    if (!transcript.ok()) return {.status = transcript.status()};
    LoopOptions first = loop_options;
    if (interrupt_after > 0) first.max_turns = interrupt_after;
    AgentLoop loop(backend, registry, context, first, &*transcript, nullptr);
    auto result = loop.run(script.value("task", ""), "scenario");
    if (!result.ok()) return {.status = result.status()};
    run.result = *result;
  }
  if (interrupt_after > 0) {
    run.earlier_runs.push_back(run.result);
    cut_transcript_after_last_assistant(run.transcript);
    auto record = load_transcript(run.transcript);
    if (!record.ok()) return {.status = record.status()};
    // A new process: fresh tool context, same workspace.
    ToolContext resumed_context(*workspace, ApprovalPolicy::kNever, nullptr);
    auto transcript = TranscriptWriter::open(run.transcript);
    if (!transcript.ok()) return {.status = transcript.status()};
    AgentLoop loop(backend, registry, resumed_context, loop_options, &*transcript, nullptr);
    auto result = loop.resume(*record);
    if (!result.ok()) return {.status = result.status()};
    run.result = *result;
  }
  return run;
}

// expected/workspace/: files that must exist with exactly these contents.
// expected/checks.json: {"stop_reason", "answer_contains", "compactions",
// "absent": [paths], "tool_results": {call_id: {"contains": [..],
// "not_contains": [..], "is_error": bool}}, "transcript_contains": [..]}.
inline void check_expected(const fs::path& dir, const ScenarioRun& run) {
  const fs::path expected_files = dir / "expected" / "workspace";
  if (fs::exists(expected_files)) {
    const auto actual = snapshot(run.workspace);
    for (const auto& [path, contents] : snapshot(expected_files)) {
      auto found = actual.find(path);
      if (found == actual.end()) {
        ADD_FAILURE() << "missing file " << path;
      } else {
        EXPECT_EQ(found->second, contents) << "file " << path;
      }
    }
  }
  const nlohmann::json checks = read_json(dir / "expected" / "checks.json");
  ASSERT_TRUE(checks.is_object()) << "bad expected/checks.json in " << dir;
  EXPECT_EQ(stop_reason_name(run.result.reason), checks.value("stop_reason", "answered"));
  if (checks.contains("answer_contains")) {
    EXPECT_NE(run.result.answer.find(checks["answer_contains"].get<std::string>()), std::string::npos) << run.result.answer;
  }
  if (checks.contains("compactions")) {
    EXPECT_EQ(run.result.compactions, checks["compactions"].get<int>());
  }
  for (const auto& path : checks.value("absent", nlohmann::json::array()))
    EXPECT_FALSE(fs::exists(run.workspace / path.get<std::string>())) << path;

  const std::string transcript = read_file(run.transcript);
  for (const auto& text : checks.value("transcript_contains", nlohmann::json::array()))
    EXPECT_NE(transcript.find(text.get<std::string>()), std::string::npos) << "transcript lacks " << text;
  // Tool results as recorded (the last result per call id wins).
  std::map<std::string, nlohmann::json> results;
  std::istringstream lines(transcript);
  std::string line;
  while (std::getline(lines, line)) {
    const auto event = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(event.is_discarded()) << "transcript line is not JSON: " << line;
    if (event.value("type", "") == "item" && event["item"].value("role", "") == "tool")
      results[event["item"].value("call_id", "")] = event["item"];
  }
  const nlohmann::json expected_results = checks.value("tool_results", nlohmann::json::object());
  for (const auto& [call_id, expect] : expected_results.items()) {
    auto found = results.find(call_id);
    if (found == results.end()) {
      ADD_FAILURE() << "no tool result for " << call_id;
      continue;
    }
    const std::string text = found->second.value("text", "");
    for (const auto& part : expect.value("contains", nlohmann::json::array()))
      EXPECT_NE(text.find(part.get<std::string>()), std::string::npos) << call_id << " lacks " << part << ":\n" << text;
    for (const auto& part : expect.value("not_contains", nlohmann::json::array()))
      EXPECT_EQ(text.find(part.get<std::string>()), std::string::npos) << call_id << " has " << part << ":\n" << text;
    if (expect.contains("is_error")) {
      EXPECT_EQ(found->second.value("is_error", false), expect["is_error"].get<bool>()) << call_id << ": " << text;
    }
  }
}

}  // namespace loom::agent::testing
