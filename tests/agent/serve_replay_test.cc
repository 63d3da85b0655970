// The agent unchanged against `loom serve --replay` over HTTP: the loom binary
// serves scenario 001's replay.json (the raw model text of its scripted turns)
// and `loom agent --base-url` fixes the bug through both wire formats.
#include <gtest/gtest.h>

#include <filesystem>

#include "agent/sandbox.h"
#include "agent_test_support.h"
#include "scenario_support.h"
#include "support/loom_serve.h"

namespace loom::agent {
namespace {

namespace fs = std::filesystem;

std::string quoted(const std::string& text) { return "'" + text + "'"; }

class ServeReplay : public ::testing::TestWithParam<const char*> {};

TEST_P(ServeReplay, AgentFixesTheBugOverHttp) {
  if (!fs::exists(LOOM_BINARY) || !fs::exists(loom::testing::qwen3_tokenizer_path()))
    GTEST_SKIP() << "needs " << LOOM_BINARY << " and node_modules";
  const fs::path dir = fs::path(LOOM_SOURCE_DIR) / "tests" / "agent" / "001_fix_failing_test";
  testing::TempDir temp;
  const fs::path workspace = temp.path() / "workspace";
  fs::copy(dir / "workspace", workspace, fs::copy_options::recursive);
  const fs::path transcript = temp.path() / "transcript.jsonl";

  loom::testing::LoomServe serve((dir / "replay.json").string());
  ASSERT_GT(serve.port(), 0) << serve.startup_log();
  const nlohmann::json script = testing::read_json(dir / "script.json");
  const char* sandbox = check_sandbox_available().ok() ? "workspace-write" : "full-access";
  const auto output = loom::testing::run_command(
      str_cat(quoted(LOOM_BINARY), " agent --base-url ", serve.base_url(), " --model loom-replay --wire ", GetParam(),
              " --cd ", quoted(workspace.string()), " --transcript ", quoted(transcript.string()),
              " --sandbox ", sandbox, " --approval never ", quoted(script["task"].get<std::string>())));
  EXPECT_EQ(output.exit_code, 0) << output.out;
  EXPECT_NE(output.out.find("Fixed the off-by-one in sum_to"), std::string::npos) << output.out;
  EXPECT_EQ(serve.stop(), 0);

  // The fixed file, and the tool outputs the model was sent (call ids come
  // from the server, so they are matched by content).
  for (const auto& [path, contents] : testing::snapshot(dir / "expected" / "workspace"))
    EXPECT_EQ(testing::read_file(workspace / path), contents) << path;
  const std::string events = testing::read_file(transcript);
  for (const char* text : {"FAIL sum_to(4): got 6, want 10", "Success. Updated the following files:\\nM mathx.c",
                           "all tests passed", "[~] Find the failing test", "\"reason\":\"answered\""})
    EXPECT_NE(events.find(text), std::string::npos) << "transcript lacks " << text;
}

INSTANTIATE_TEST_SUITE_P(Wire, ServeReplay, ::testing::Values("chat", "responses"),
                         [](const ::testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

}  // namespace
}  // namespace loom::agent
