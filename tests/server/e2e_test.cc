// End to end: `loom serve --replay` as a child process, driven by the real
// clients: the openai SDK 6 and 7 (tests/e2e/sdk_seed_calls.mjs) and Codex
// CLI 0.169.0 (`codex exec` with a custom provider). Checks stdout and the
// files the agent created, not only exit codes.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/loom_serve.h"
#include "support/oracle.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using loom::testing::LoomServe;
using loom::testing::qwen3_tokenizer_path;

std::string slurp(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

bool prerequisites_present() {
  return fs::exists(LOOM_BINARY) && fs::exists(qwen3_tokenizer_path()) &&
         fs::exists(loom::testing::source_dir() + "/node_modules/.bin/codex");
}

class SdkSeedCalls : public ::testing::TestWithParam<const char*> {};

TEST_P(SdkSeedCalls, RunWithoutClientErrors) {
  if (!prerequisites_present()) GTEST_SKIP() << "needs " << LOOM_BINARY << " and node_modules";
  LoomServe serve(loom::testing::source_dir() + "/tests/e2e/sdk_script.json");
  ASSERT_GT(serve.port(), 0) << serve.startup_log();
  const auto output = loom::testing::run_command("node tests/e2e/sdk_seed_calls.mjs " + serve.base_url() + " " + GetParam());
  EXPECT_EQ(output.exit_code, 0) << output.out;
  const json report = json::parse(output.out, nullptr, false);
  ASSERT_TRUE(report.is_object()) << output.out;
  EXPECT_TRUE(report["problems"].empty()) << report["problems"].dump();
  EXPECT_EQ(report["results"]["parallel_tools"].size(), 2u);
  EXPECT_EQ(serve.stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(Versions, SdkSeedCalls, ::testing::Values("openai6", "openai7"));

// The same calls on a random-weight Qwen3-vocabulary model served by the real engine.
class ModelServe : public ::testing::TestWithParam<const char*> {};

TEST_P(ModelServe, SeedCallsGrammarOverflowAndCancellation) {
  if (!prerequisites_present()) GTEST_SKIP() << "needs " << LOOM_BINARY << " and node_modules";
  const fs::path model = fs::temp_directory_path() / ("loom-serve-tiny-" + std::to_string(::getpid()) + ".gguf");
  const auto made = loom::testing::run_command(std::string("'") + LOOM_BINARY + "' make-test-model --arch qwen3 --shape tiny --tokenizer '" +
                                               qwen3_tokenizer_path() + "' -o '" + model.string() + "' >/dev/null");
  ASSERT_EQ(made.exit_code, 0);
  {
    LoomServe serve({"serve", model.string(), "--ctx", "2048", "--port", "0", "--threads", "2"});
    ASSERT_GT(serve.port(), 0) << serve.startup_log();
    const auto output = loom::testing::run_command("node tests/e2e/sdk_model_calls.mjs " + serve.base_url() + " " + GetParam());
    EXPECT_EQ(output.exit_code, 0) << output.out;
    const json report = json::parse(output.out, nullptr, false);
    ASSERT_TRUE(report.is_object()) << output.out;
    EXPECT_TRUE(report["problems"].empty()) << report.dump();
    EXPECT_EQ(serve.stop(), 0);
  }
  fs::remove(model);
}

INSTANTIATE_TEST_SUITE_P(Versions, ModelServe, ::testing::Values("openai6", "openai7"));

struct CodexRun {
  int exit_code = -1;
  std::string stdout_text;
  fs::path workdir;
};

// Runs `codex exec` in a fresh working directory against a server replaying `steps`.
class CodexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!prerequisites_present()) GTEST_SKIP() << "needs " << LOOM_BINARY << " and node_modules/.bin/codex";
    scratch_ = fs::temp_directory_path() / ("loom-codex-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(scratch_);
    fs::create_directories(scratch_ / "home");
    fs::create_directories(scratch_ / "tmp");
    fs::create_directories(scratch_ / "work");
  }
  void TearDown() override {
    if (!scratch_.empty()) fs::remove_all(scratch_);
  }

  CodexRun run(const json& steps, const std::string& prompt, const std::string& model = "loom-test",
               const std::string& extra = "") {
    const fs::path script = scratch_ / "script.json";
    std::ofstream(script) << json{{"steps", steps}}.dump();
    LoomServe serve(script.string());
    CodexRun result;
    result.workdir = scratch_ / "work";
    if (serve.port() <= 0) {
      ADD_FAILURE() << serve.startup_log();
      return result;
    }
    const std::string provider = "model_providers.loom={name=\"loom\",base_url=\"" + serve.base_url() +
                                 "\",wire_api=\"responses\",env_key=\"LOOM_API_KEY\"}";
    const std::string command = "cd '" + result.workdir.string() + "' && CODEX_HOME='" + (scratch_ / "home").string() +
                                "' TMPDIR='" + (scratch_ / "tmp").string() + "' LOOM_API_KEY=sk-loom-test-dummy timeout 120 '" +
                                loom::testing::source_dir() + "/node_modules/.bin/codex' exec -c model_provider=loom -c '" +
                                provider + "' -m " + model + " " + extra +
                                " --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox '" + prompt +
                                "' </dev/null 2>'" + (scratch_ / "stderr.txt").string() + "'";
    const auto output = loom::testing::run_command(command);
    result.exit_code = output.exit_code;
    result.stdout_text = output.out;
    if (result.exit_code != 0) ADD_FAILURE() << slurp(scratch_ / "stderr.txt");
    EXPECT_EQ(serve.stop(), 0);
    return result;
  }

  fs::path scratch_;
};

std::string tool_call(const std::string& name, const json& arguments) {
  return "<tool_call>\n" + json{{"name", name}, {"arguments", arguments}}.dump() + "\n</tool_call>";
}

TEST_F(CodexTest, PlainAnswer) {
  const CodexRun run = this->run({"<think>\nA greeting.\n</think>\n\nHello from loom."}, "Say hello.");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.stdout_text.find("Hello from loom."), std::string::npos) << run.stdout_text;
}

TEST_F(CodexTest, ExecCommandThenAnswer) {
  const CodexRun run = this->run({tool_call("exec_command", {{"cmd", "echo hi > out.txt"}}), "Created out.txt."},
                                 "Create out.txt containing hi.");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.stdout_text.find("Created out.txt."), std::string::npos) << run.stdout_text;
  EXPECT_EQ(slurp(run.workdir / "out.txt"), "hi\n");
}

TEST_F(CodexTest, TwoParallelCalls) {
  const std::string both = "<think>\nI will create two files.\n</think>\n\n" +
                           tool_call("exec_command", {{"cmd", "echo one > a.txt"}}) + "\n" +
                           tool_call("exec_command", {{"cmd", "echo two > b.txt"}});
  const CodexRun run = this->run({both, "<think>\nBoth commands succeeded.\n</think>\n\nBoth files created."},
                                 "Create a.txt and b.txt.");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.stdout_text.find("Both files created."), std::string::npos) << run.stdout_text;
  EXPECT_EQ(slurp(run.workdir / "a.txt"), "one\n");
  EXPECT_EQ(slurp(run.workdir / "b.txt"), "two\n");
}

TEST_F(CodexTest, ApplyPatchCustomTool) {
  const std::string patch = "*** Begin Patch\n*** Add File: hello.txt\n+hello from apply_patch\n*** End Patch\n";
  const CodexRun run = this->run({tool_call("apply_patch", {{"input", patch}}), "Created hello.txt."}, "Create hello.txt.",
                                 "gpt-5.5");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.stdout_text.find("Created hello.txt."), std::string::npos) << run.stdout_text;
  EXPECT_EQ(slurp(run.workdir / "hello.txt"), "hello from apply_patch\n");
}

TEST_F(CodexTest, Compaction) {
  // The limit is below the first prompt's real token count, so codex compacts
  // before sending the tool output back.
  const CodexRun run = this->run({tool_call("exec_command", {{"cmd", "echo hi > out.txt"}}),
                                  "Summary: the user asked for out.txt; it was created with echo.",
                                  "Created out.txt after compaction."},
                                 "Create out.txt containing hi.", "loom-test", "-c model_auto_compact_token_limit=3000");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.stdout_text.find("Created out.txt after compaction."), std::string::npos) << run.stdout_text;
  EXPECT_EQ(slurp(run.workdir / "out.txt"), "hi\n");
}

}  // namespace
