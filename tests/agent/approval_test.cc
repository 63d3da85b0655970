// Approval policies through the shell tool, with a scripted approver.
#include <gtest/gtest.h>

#include "agent/tools.h"
#include "agent_test_support.h"

namespace loom::agent {
namespace {

using testing::TempDir;

TEST(KnownSafeCommand, Classification) {
  for (const char* safe : {"ls -la", "cat a.txt | grep foo", "git status", "git diff HEAD~1 -- src",
                           "rg -n 'a|b' src", "sed -n 1,20p file.cc", "find . -name '*.cc'", "wc -l a b && pwd",
                           "head -n 5 \"my file\""})
    EXPECT_TRUE(is_known_safe_command(safe)) << safe;
  for (const char* unsafe : {"rm -rf /", "echo hi > file", "cat a; rm b", "find . -delete", "find . -exec rm {} +",
                             "git commit -m x", "git diff --output=x", "sed -i s/a/b/ f", "ls $(rm x)",
                             "ls `rm x`", "echo \"$(rm x)\"", "sleep 100 &", "rg --pre sh x", "python3 x.py",
                             "cat 'unterminated", ""})
    EXPECT_FALSE(is_known_safe_command(unsafe)) << unsafe;
}

TEST(ApprovalNeeded, PolicyTable) {
  const ApprovalRequest plain{.command = "make"};
  const ApprovalRequest safe{.command = "ls"};
  const ApprovalRequest escalated{.command = "ls", .escalated = true};
  EXPECT_EQ(approval_needed(ApprovalPolicy::kNever, plain), ApprovalNeed::kNone);
  EXPECT_EQ(approval_needed(ApprovalPolicy::kNever, escalated), ApprovalNeed::kDeny);
  EXPECT_EQ(approval_needed(ApprovalPolicy::kOnRequest, plain), ApprovalNeed::kNone);
  EXPECT_EQ(approval_needed(ApprovalPolicy::kOnRequest, escalated), ApprovalNeed::kAsk);
  EXPECT_EQ(approval_needed(ApprovalPolicy::kUntrusted, plain), ApprovalNeed::kAsk);
  EXPECT_EQ(approval_needed(ApprovalPolicy::kUntrusted, safe), ApprovalNeed::kNone);
  EXPECT_EQ(approval_needed(ApprovalPolicy::kUntrusted, escalated), ApprovalNeed::kAsk);
  for (ApprovalPolicy policy : {ApprovalPolicy::kNever, ApprovalPolicy::kOnRequest, ApprovalPolicy::kUntrusted})
    EXPECT_EQ(*parse_approval_policy(approval_policy_name(policy)), policy);
}

class ApprovalTest : public ::testing::Test {
 protected:
  Result<ToolOutput> run(ApprovalPolicy policy, Approver* approver, const std::string& command, bool escalate) {
    if (!context_) {
      context_ = std::make_unique<ToolContext>(*Workspace::open(temp_.path(), SandboxMode::kWorkspaceWrite), policy,
                                               approver);
    }
    ToolCall call{.call_id = "call_1", .name = "shell"};
    call.arguments = {{"command", command}};
    if (escalate) {
      call.arguments["sandbox_permissions"] = "require_escalated";
      call.arguments["justification"] = "needs the network";
    }
    return registry_.find("shell")->run(call, *context_);
  }
  void SetUp() override {
    if (Status available = check_sandbox_available(); !available.ok()) GTEST_SKIP() << available.to_string();
  }
  TempDir temp_;
  const ToolRegistry registry_ = default_tool_registry();
  std::unique_ptr<ToolContext> context_;
};

TEST_F(ApprovalTest, NeverDeniesEscalationWithoutAsking) {
  ScriptedApprover approver({ApprovalDecision::kApproved});
  Result<ToolOutput> output = run(ApprovalPolicy::kNever, &approver, "echo hi", /*escalate=*/true);
  ASSERT_TRUE(output.ok());
  EXPECT_TRUE(output->is_error);
  EXPECT_TRUE(output->sandbox_denied);
  EXPECT_NE(output->text.find("Escalation denied"), std::string::npos) << output->text;
  EXPECT_TRUE(approver.requests().empty());
}

TEST_F(ApprovalTest, OnRequestAsksOnlyForEscalation) {
  ScriptedApprover approver({ApprovalDecision::kApproved});
  Result<ToolOutput> plain = run(ApprovalPolicy::kOnRequest, &approver, "echo plain", false);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->is_error) << plain->text;
  EXPECT_TRUE(approver.requests().empty());
  // Approved escalation runs outside the sandbox: it can write where the sandbox cannot.
  const std::string outside = "/var/tmp/loom-approval-" + std::to_string(::getpid());
  Result<ToolOutput> escalated = run(ApprovalPolicy::kOnRequest, &approver, "echo x > " + outside, true);
  ASSERT_TRUE(escalated.ok());
  EXPECT_FALSE(escalated->is_error) << escalated->text;
  EXPECT_TRUE(std::filesystem::exists(outside));
  std::filesystem::remove(outside);
  ASSERT_EQ(approver.requests().size(), 1u);
  EXPECT_EQ(approver.requests()[0].call_id, "call_1");
  EXPECT_TRUE(approver.requests()[0].escalated);
  EXPECT_EQ(approver.requests()[0].justification, "needs the network");
}

TEST_F(ApprovalTest, UntrustedAsksForUnknownCommands) {
  ScriptedApprover approver({ApprovalDecision::kDenied, ApprovalDecision::kApprovedForSession});
  Result<ToolOutput> safe = run(ApprovalPolicy::kUntrusted, &approver, "ls", false);
  EXPECT_FALSE(safe->is_error) << safe->text;
  Result<ToolOutput> denied = run(ApprovalPolicy::kUntrusted, &approver, "touch made.txt", false);
  EXPECT_TRUE(denied->is_error);
  EXPECT_TRUE(denied->sandbox_denied);
  EXPECT_NE(denied->text.find("denied"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(temp_.path() / "made.txt"));
  Result<ToolOutput> approved = run(ApprovalPolicy::kUntrusted, &approver, "touch made.txt", false);
  EXPECT_FALSE(approved->is_error) << approved->text;
  EXPECT_TRUE(std::filesystem::exists(temp_.path() / "made.txt"));
  // Approved for the session: the same command does not ask again.
  Result<ToolOutput> again = run(ApprovalPolicy::kUntrusted, &approver, "touch made.txt", false);
  EXPECT_FALSE(again->is_error);
  EXPECT_EQ(approver.requests().size(), 2u);
}

TEST_F(ApprovalTest, AbortIsASessionFailure) {
  ScriptedApprover approver({ApprovalDecision::kAbort});
  Result<ToolOutput> output = run(ApprovalPolicy::kUntrusted, &approver, "make", false);
  ASSERT_FALSE(output.ok());
  EXPECT_EQ(output.status().code(), StatusCode::kCancelled);
}

TEST_F(ApprovalTest, NoApproverMeansDenied) {
  Result<ToolOutput> output = run(ApprovalPolicy::kUntrusted, nullptr, "make", false);
  ASSERT_TRUE(output.ok());
  EXPECT_TRUE(output->is_error);
  EXPECT_TRUE(output->sandbox_denied);
}

}  // namespace
}  // namespace loom::agent
