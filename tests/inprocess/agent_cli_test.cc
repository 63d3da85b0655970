// `loom agent --model FILE.gguf` end to end: the binary loads a random-weight
// model with the real Qwen3 vocabulary, offers the tools --tools names, and
// ends the session within its budgets (answered or max_turns, never an error).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/loom_serve.h"
#include "support/oracle.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string quoted(const std::string& text) { return "'" + text + "'"; }

TEST(AgentCli, InProcessModelRunsTheLoop) {
  if (!fs::exists(LOOM_BINARY) || !fs::exists(loom::testing::qwen3_tokenizer_path()))
    GTEST_SKIP() << "needs " << LOOM_BINARY << " and node_modules";
  const fs::path temp = fs::temp_directory_path() / ("loom-agent-cli-" + std::to_string(::getpid()));
  fs::create_directories(temp / "workspace");
  const fs::path model = temp / "tiny.gguf";
  const fs::path transcript = temp / "transcript.jsonl";
  const auto made = loom::testing::run_command(quoted(LOOM_BINARY) + " make-test-model --arch qwen3 --shape tiny --tokenizer " +
                                               quoted(loom::testing::qwen3_tokenizer_path()) + " -o " +
                                               quoted(model.string()) + " >/dev/null");
  ASSERT_EQ(made.exit_code, 0);
  const auto run = loom::testing::run_command(
      quoted(LOOM_BINARY) + " agent --model " + quoted(model.string()) + " --tools shell,calculator --max-turns 2" +
      " --max-output-tokens 24 --temperature 1 --seed 5 --ctx 4096 --threads 2 --sandbox full-access --approval never" +
      " --cd " + quoted((temp / "workspace").string()) + " --transcript " + quoted(transcript.string()) +
      " 'What is 6 * 7?'");
  // 0: answered; 1: stopped by the turn budget (a random model rarely answers in two turns).
  EXPECT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.exit_code;

  std::ifstream lines(transcript);
  std::string line;
  json start, end;
  std::string system_prompt;
  while (std::getline(lines, line)) {
    const json event = json::parse(line);
    if (event["type"] == "session_start") start = event;
    if (event["type"] == "session_end") end = event;
    if (event["type"] == "item" && event["item"]["role"] == "system") system_prompt = event["item"]["text"];
  }
  EXPECT_TRUE(start["backend"].get<std::string>().starts_with("in-process tiny (hermes")) << start.dump();
  ASSERT_TRUE(end.is_object()) << "no session_end";
  EXPECT_TRUE(end["reason"] == "answered" || end["reason"] == "max_turns") << end.dump();
  EXPECT_GT(end["usage"]["input_tokens"].get<int64_t>(), 100);
  EXPECT_NE(system_prompt.find("compute with calculator"), std::string::npos) << system_prompt;
  EXPECT_EQ(system_prompt.find("apply_patch"), std::string::npos) << system_prompt;
  fs::remove_all(temp);
}

TEST(AgentCli, ModelThatIsNotAFileIsABadArgument) {
  if (!fs::exists(LOOM_BINARY)) GTEST_SKIP() << "needs " << LOOM_BINARY;
  const auto run = loom::testing::run_command(quoted(LOOM_BINARY) + " agent --model no-such-model.gguf 'task' 2>&1");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.out.find("--model no-such-model.gguf is not a file"), std::string::npos) << run.out;
}

}  // namespace
