// The sandbox modes against real escape attempts: writing outside the
// workspace, reading ~/.ssh, opening a network connection. Each must fail and
// be reported as denied in read-only and workspace-write, and succeed in
// full-access.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/tools.h"
#include "agent_test_support.h"

namespace loom::agent {
namespace {

using testing::TempDir;

// A TCP port on 127.0.0.1 that accepts connections (the kernel completes the
// handshake from the listen backlog; nothing needs to accept).
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    ::listen(fd_, 16);
    socklen_t length = sizeof(address);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~Listener() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class SandboxTest : public ::testing::TestWithParam<SandboxMode> {
 protected:
  void SetUp() override {
    if (GetParam() != SandboxMode::kFullAccess) {
      Status available = check_sandbox_available();
      if (!available.ok()) GTEST_SKIP() << available.to_string();
    }
    workspace_ = temp_.path() / "ws";
    home_ = temp_.path() / "home";
    std::filesystem::create_directories(workspace_);
    testing::write_file(home_ / ".ssh" / "id_rsa", "SECRET-KEY-MATERIAL\n");
    testing::write_file(workspace_ / "inside.txt", "inside\n");
    // Outside the workspace and outside /tmp (which the sandbox replaces).
    outside_ = std::filesystem::path("/var/tmp") / ("loom-agent-sandbox-" + std::to_string(::getpid()) + "-" +
                                                     std::to_string(static_cast<int>(GetParam())));
    std::filesystem::remove(outside_);
    context_ = std::make_unique<ToolContext>(*Workspace::open(workspace_, GetParam()), ApprovalPolicy::kNever, nullptr);
    context_->environment = current_environment();
    context_->environment["HOME"] = home_.string();
  }
  void TearDown() override {
    std::error_code error;
    std::filesystem::remove(outside_, error);
  }

  ToolOutput shell(const std::string& command) {
    ToolCall call{.call_id = "c", .name = "shell"};
    call.arguments = {{"command", command}, {"timeout_ms", 5000}};
    Result<ToolOutput> output = registry_.find("shell")->run(call, *context_);
    EXPECT_TRUE(output.ok()) << output.status().to_string();
    return output.ok() ? *output : ToolOutput::failure("session failure");
  }

  ToolOutput tool(const std::string& name, nlohmann::json arguments) {
    ToolCall call{.call_id = "c", .name = name};
    call.arguments = std::move(arguments);
    Result<ToolOutput> output = registry_.find(name)->run(call, *context_);
    EXPECT_TRUE(output.ok()) << output.status().to_string();
    return output.ok() ? *output : ToolOutput::failure("session failure");
  }

  bool sandboxed() const { return GetParam() != SandboxMode::kFullAccess; }

  TempDir temp_;
  std::filesystem::path workspace_, home_, outside_;
  const ToolRegistry registry_ = default_tool_registry();
  std::unique_ptr<ToolContext> context_;
};

TEST_P(SandboxTest, WriteOutsideWorkspace) {
  const ToolOutput output = shell("echo pwned > " + outside_.string());
  if (sandboxed()) {
    EXPECT_TRUE(output.is_error) << output.text;
    EXPECT_TRUE(output.sandbox_denied) << output.text;
    EXPECT_FALSE(std::filesystem::exists(outside_));
  } else {
    EXPECT_FALSE(output.is_error) << output.text;
    EXPECT_EQ(testing::read_file(outside_), "pwned\n");
  }
}

TEST_P(SandboxTest, WriteInsideWorkspace) {
  const ToolOutput output = shell("echo new > created.txt && cat inside.txt");
  if (GetParam() == SandboxMode::kReadOnly) {
    EXPECT_TRUE(output.is_error);
    EXPECT_TRUE(output.sandbox_denied) << output.text;
    EXPECT_FALSE(std::filesystem::exists(workspace_ / "created.txt"));
  } else {
    EXPECT_FALSE(output.is_error) << output.text;
    EXPECT_NE(output.text.find("inside\n"), std::string::npos) << output.text;
    EXPECT_EQ(testing::read_file(workspace_ / "created.txt"), "new\n");
  }
}

TEST_P(SandboxTest, ReadSshKey) {
  const ToolOutput output = shell("cat \"$HOME/.ssh/id_rsa\"");
  if (sandboxed()) {
    EXPECT_TRUE(output.is_error);
    EXPECT_TRUE(output.sandbox_denied) << output.text;
    EXPECT_EQ(output.text.find("SECRET-KEY-MATERIAL"), std::string::npos) << output.text;
  } else {
    EXPECT_FALSE(output.is_error) << output.text;
    EXPECT_NE(output.text.find("SECRET-KEY-MATERIAL"), std::string::npos);
  }
  // The file tool refuses the same path outside full-access.
  const ToolOutput read = tool("read_file", {{"path", (home_ / ".ssh" / "id_rsa").string()}});
  EXPECT_EQ(read.is_error, sandboxed()) << read.text;
  EXPECT_EQ(read.text.find("SECRET-KEY-MATERIAL") == std::string::npos, sandboxed()) << read.text;
}

TEST_P(SandboxTest, WorkspaceThatIsTheHomeDirectory) {
  // Running the agent in ~ must not bring ~/.ssh back into view.
  context_ = std::make_unique<ToolContext>(*Workspace::open(home_, GetParam()), ApprovalPolicy::kNever, nullptr);
  context_->environment = current_environment();
  context_->environment["HOME"] = home_.string();
  const ToolOutput output = shell("cat .ssh/id_rsa");
  EXPECT_EQ(output.text.find("SECRET-KEY-MATERIAL") == std::string::npos, sandboxed()) << output.text;
  EXPECT_EQ(output.sandbox_denied, sandboxed()) << output.text;
}

TEST_P(SandboxTest, NetworkConnection) {
  Listener listener;
  const ToolOutput output =
      shell("exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(listener.port()) + " && echo connected");
  if (sandboxed()) {
    EXPECT_TRUE(output.is_error);
    EXPECT_TRUE(output.sandbox_denied) << output.text;
    EXPECT_EQ(output.text.find("connected\n"), std::string::npos);
  } else {
    EXPECT_FALSE(output.is_error) << output.text;
    EXPECT_NE(output.text.find("connected\n"), std::string::npos) << output.text;
  }
}

TEST_P(SandboxTest, FileToolsHonourTheMode) {
  const ToolOutput inside = tool("write_file", {{"path", "sub/new.txt"}, {"content", "x"}});
  EXPECT_EQ(inside.is_error, GetParam() == SandboxMode::kReadOnly) << inside.text;
  const ToolOutput escape = tool("write_file", {{"path", outside_.string()}, {"content", "x"}});
  EXPECT_EQ(escape.is_error, sandboxed()) << escape.text;
  EXPECT_EQ(std::filesystem::exists(outside_), !sandboxed());
  const ToolOutput dotdot = tool("read_file", {{"path", "../home/.ssh/id_rsa"}});
  EXPECT_EQ(dotdot.is_error, sandboxed()) << dotdot.text;
  // A symlink inside the workspace that points out of it.
  std::filesystem::create_directory_symlink(home_, workspace_ / "link");
  const ToolOutput via_link = tool("read_file", {{"path", "link/.ssh/id_rsa"}});
  EXPECT_EQ(via_link.is_error, sandboxed()) << via_link.text;
  if (sandboxed()) {
    EXPECT_NE(via_link.text.find("outside the workspace"), std::string::npos) << via_link.text;
  }
}

TEST_P(SandboxTest, TimeoutInsideSandbox) {
  ToolCall call{.call_id = "c", .name = "shell"};
  call.arguments = {{"command", "sleep 30"}, {"timeout_ms", 300}};
  const auto start = std::chrono::steady_clock::now();
  Result<ToolOutput> output = registry_.find("shell")->run(call, *context_);
  ASSERT_TRUE(output.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_TRUE(output->is_error);
  EXPECT_NE(output->text.find("Timed out after 300 ms"), std::string::npos) << output->text;
}

INSTANTIATE_TEST_SUITE_P(Modes, SandboxTest,
                         ::testing::Values(SandboxMode::kReadOnly, SandboxMode::kWorkspaceWrite,
                                           SandboxMode::kFullAccess),
                         [](const auto& info) {
                           std::string name(sandbox_mode_name(info.param));
                           std::erase(name, '-');
                           return name;
                         });

TEST(SandboxArgv, FullAccessRunsTheCommandAsIs) {
  const std::vector<std::string> command = {"bash", "-c", "true"};
  EXPECT_EQ(sandboxed_argv({.mode = SandboxMode::kFullAccess, .workspace = "/w"}, "/w", command), command);
}

TEST(SandboxArgv, WorkspaceBoundAfterPrivateTmp) {
  const auto argv = sandboxed_argv({.mode = SandboxMode::kWorkspaceWrite, .workspace = "/tmp/ws"}, "/tmp/ws/sub",
                                   {"true"});
  auto position = [&](const std::vector<std::string>& sequence) {
    return std::search(argv.begin(), argv.end(), sequence.begin(), sequence.end()) - argv.begin();
  };
  EXPECT_EQ(argv.front(), "bwrap");
  EXPECT_LT(position({"--tmpfs", "/tmp"}), position({"--bind", "/tmp/ws", "/tmp/ws"}));
  EXPECT_LT(position({"--unshare-net"}), static_cast<long>(argv.size()));
  EXPECT_LT(position({"--chdir", "/tmp/ws/sub", "--", "true"}), static_cast<long>(argv.size()));
}

TEST(SandboxMode, NamesRoundTrip) {
  for (SandboxMode mode : {SandboxMode::kReadOnly, SandboxMode::kWorkspaceWrite, SandboxMode::kFullAccess})
    EXPECT_EQ(*parse_sandbox_mode(sandbox_mode_name(mode)), mode);
  EXPECT_FALSE(parse_sandbox_mode("yolo").ok());
}

}  // namespace
}  // namespace loom::agent
