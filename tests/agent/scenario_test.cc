// Scenario tests: every tests/agent/NNN_name/ folder replays its script.json
// of model turns through the real loop (real tools, executor and sandbox) on
// a copy of workspace/, then compares the final files with expected/workspace/
// and checks expected/checks.json against the transcript.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "agent/loop.h"
#include "agent/scripted_backend.h"
#include "agent/tools.h"
#include "agent_test_support.h"
#include "scenario_support.h"

namespace loom::agent {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> scenario_dirs() {
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(fs::path(LOOM_SOURCE_DIR) / "tests" / "agent")) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && name.size() > 4 && std::isdigit(name[0]) && name[3] == '_') dirs.push_back(entry.path());
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

class ScenarioTest : public ::testing::TestWithParam<fs::path> {};

TEST_P(ScenarioTest, Replays) {
  const fs::path dir = GetParam();
  const nlohmann::json script = testing::read_json(dir / "script.json");
  ASSERT_TRUE(script.is_object()) << "bad script.json in " << dir;
  // Escape attempts are only safe to replay where the sandbox stops them.
  if (script.value("options", nlohmann::json::object()).value("requires_sandbox", false)) {
    if (Status available = check_sandbox_available(); !available.ok()) GTEST_SKIP() << available.to_string();
  }
  auto backend = ScriptedBackend::create(script["turns"]);
  ASSERT_TRUE(backend.ok()) << backend.status().to_string();
  testing::TempDir temp;
  const testing::ScenarioRun run = testing::run_scenario(dir, script, **backend, temp.path());
  ASSERT_TRUE(run.status.ok()) << run.status.to_string();
  for (const std::string& mismatch : (*backend)->mismatches()) ADD_FAILURE() << mismatch;
  EXPECT_EQ((*backend)->turns_used(), (*backend)->turns_total()) << "script turns left unused";
  testing::check_expected(dir, run);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ScenarioTest, ::testing::ValuesIn(scenario_dirs()),
                         [](const ::testing::TestParamInfo<fs::path>& info) {
                           return info.param.filename().string();
                         });

}  // namespace
}  // namespace loom::agent
