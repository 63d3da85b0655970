// Executor: independent calls overlap in time, conflicting calls keep call
// order, results come back in call order.
#include <gtest/gtest.h>

#include <chrono>

#include "agent/executor.h"
#include "agent/tools.h"
#include "agent_test_support.h"

namespace loom::agent {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

ToolCall shell_call(const std::string& id, const std::string& command, bool exclusive = false) {
  ToolCall call{.call_id = id, .name = "shell"};
  call.arguments = {{"command", command}};
  if (exclusive) call.arguments["exclusive"] = true;
  return call;
}

ToolCall call(const std::string& id, const std::string& name, nlohmann::json arguments) {
  ToolCall result{.call_id = id, .name = name};
  result.arguments = std::move(arguments);
  return result;
}

class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Full access keeps these tests about scheduling, not bwrap start-up.
    context_ = std::make_unique<ToolContext>(*Workspace::open(temp_.path(), SandboxMode::kFullAccess),
                                             ApprovalPolicy::kNever, nullptr);
  }
  TempDir temp_;
  const ToolRegistry registry_ = default_tool_registry();
  std::unique_ptr<ToolContext> context_;
};

TEST_F(ExecutorTest, IndependentCallsRunTogether) {
  // In the default sandbox mode when bwrap works here, so its start-up is counted too.
  const SandboxMode mode = check_sandbox_available().ok() ? SandboxMode::kWorkspaceWrite : SandboxMode::kFullAccess;
  context_ = std::make_unique<ToolContext>(*Workspace::open(temp_.path(), mode), ApprovalPolicy::kNever, nullptr);
  Executor executor(registry_, *context_, {.max_parallel = 4});
  const auto start = std::chrono::steady_clock::now();
  const auto results =
      executor.run_turn({shell_call("a", "sleep 1; echo a"), shell_call("b", "sleep 1; echo b"),
                         shell_call("c", "sleep 1; echo c")});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, 1500ms);
  ASSERT_EQ(results.size(), 3u);
  for (size_t index = 0; index < 3; ++index) {
    ASSERT_TRUE(results[index].ok());
    EXPECT_NE(results[index]->text.find(std::string("Output:\n") + "abc"[index] + "\n"), std::string::npos)
        << results[index]->text;
  }
}

TEST_F(ExecutorTest, MaxParallelLimitsConcurrency) {
  Executor executor(registry_, *context_, {.max_parallel = 1});
  const auto start = std::chrono::steady_clock::now();
  executor.run_turn({shell_call("a", "sleep 0.3"), shell_call("b", "sleep 0.3")});
  EXPECT_GE(std::chrono::steady_clock::now() - start, 600ms);
}

TEST_F(ExecutorTest, ExclusiveShellRunsAlone) {
  Executor executor(registry_, *context_, {.max_parallel = 4});
  const auto start = std::chrono::steady_clock::now();
  executor.run_turn({shell_call("a", "sleep 0.3"), shell_call("b", "sleep 0.3", /*exclusive=*/true),
                     shell_call("c", "sleep 0.3")});
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
}

TEST_F(ExecutorTest, WriteThenReadOfSamePathIsOrdered) {
  Executor executor(registry_, *context_, {.max_parallel = 4});
  // Repeated: were the read not ordered after the write, some round would race.
  for (int round = 0; round < 20; ++round) {
    const std::string content = "round " + std::to_string(round) + "\n";
    const auto results = executor.run_turn({
        call("w", "write_file", {{"path", "dir/file.txt"}, {"content", content}}),
        call("r", "read_file", {{"path", "dir/file.txt"}}),
        call("l", "list_dir", {{"path", "dir"}}),
    });
    ASSERT_EQ(results.size(), 3u);
    ASSERT_TRUE(results[1].ok());
    EXPECT_EQ(results[1]->text, content);
    EXPECT_NE(results[2]->text.find("file.txt"), std::string::npos);
  }
}

TEST_F(ExecutorTest, ReadBeforeWriteSeesTheOldContents) {
  testing::write_file(temp_.path() / "f.txt", "old\n");
  Executor executor(registry_, *context_);
  const auto results = executor.run_turn({
      call("r", "read_file", {{"path", "f.txt"}}),
      call("p", "apply_patch", {{"input", "*** Begin Patch\n*** Update File: f.txt\n@@\n-old\n+new\n*** End Patch\n"}}),
      call("r2", "read_file", {{"path", "f.txt"}}),
  });
  EXPECT_EQ(results[0]->text, "old\n");
  EXPECT_FALSE(results[1]->is_error) << results[1]->text;
  EXPECT_EQ(results[2]->text, "new\n");
}

TEST_F(ExecutorTest, UnknownToolIsAToolFailure) {
  Executor executor(registry_, *context_);
  const auto results = executor.run_turn({call("x", "teleport", {}), call("p", "update_plan",
                                                                          {{"plan", {{{"step", "a"}, {"status", "pending"}}}}})});
  ASSERT_TRUE(results[0].ok());
  EXPECT_TRUE(results[0]->is_error);
  EXPECT_NE(results[0]->text.find("unknown tool 'teleport'"), std::string::npos);
  EXPECT_FALSE(results[1]->is_error);
}

TEST(CallsConflict, Rules) {
  const ToolAccess read_a{.reads = {"/w/a"}};
  const ToolAccess write_a{.writes = {"/w/a"}};
  const ToolAccess write_b{.writes = {"/w/b"}};
  const ToolAccess read_dir{.reads = {"/w"}};
  const ToolAccess shell{};
  const ToolAccess exclusive{.exclusive = true};
  const ToolAccess plan{.session_writes = {"plan"}};
  EXPECT_FALSE(calls_conflict(read_a, read_a));
  EXPECT_TRUE(calls_conflict(write_a, read_a));
  EXPECT_TRUE(calls_conflict(read_a, write_a));
  EXPECT_TRUE(calls_conflict(write_a, write_a));
  EXPECT_FALSE(calls_conflict(write_a, write_b));
  EXPECT_TRUE(calls_conflict(read_dir, write_b));  // a folder covers what is beneath it
  EXPECT_FALSE(calls_conflict(shell, write_a));
  EXPECT_FALSE(calls_conflict(shell, shell));
  EXPECT_TRUE(calls_conflict(exclusive, read_a));
  EXPECT_TRUE(calls_conflict(read_a, exclusive));
  EXPECT_TRUE(calls_conflict(plan, plan));
  EXPECT_FALSE(calls_conflict(plan, write_a));
}

TEST(CallsConflict, ApplyPatchClaimsEveryPathItTouches) {
  TempDir temp;
  ToolContext context(*Workspace::open(temp.path(), SandboxMode::kWorkspaceWrite), ApprovalPolicy::kNever, nullptr);
  const ToolRegistry registry = default_tool_registry();
  ToolCall patch{.call_id = "p", .name = "apply_patch",
                 .input = "*** Begin Patch\n*** Update File: a.txt\n*** Move to: b/c.txt\n@@\n-x\n+y\n"
                          "*** Delete File: d.txt\n*** End Patch\n"};
  const ToolAccess access = registry.find("apply_patch")->access(patch, context);
  ASSERT_EQ(access.writes.size(), 3u);
  EXPECT_EQ(access.writes[1], temp.path() / "b" / "c.txt");
  const ToolAccess read_moved =
      registry.find("read_file")->access(call("r", "read_file", {{"path", "b/c.txt"}}), context);
  EXPECT_TRUE(calls_conflict(access, read_moved));
}

}  // namespace
}  // namespace loom::agent
