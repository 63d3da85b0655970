// run_process: exit codes, both streams, output capping (head and tail),
// timeouts that kill the whole process group, leftovers of background jobs.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "agent/process.h"
#include "agent_test_support.h"

namespace loom::agent {
namespace {

using namespace std::chrono_literals;

ProcessResult run_bash(const std::string& script, std::chrono::milliseconds timeout = 5000ms, size_t cap = 65536) {
  Result<ProcessResult> result =
      run_process({.argv = {"bash", "-c", script}, .timeout = timeout, .kill_grace = 200ms, .output_cap = cap});
  EXPECT_TRUE(result.ok()) << result.status().to_string();
  return *result;
}

// A process counts as gone once it no longer exists or is a zombie.
bool process_alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  std::string line;
  std::getline(stat, line);
  const size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

TEST(HeadTailBuffer, KeepsEverythingUnderTheCap) {
  HeadTailBuffer buffer(10);
  buffer.append("abc");
  buffer.append("def");
  EXPECT_EQ(buffer.str(), "abcdef");
  EXPECT_EQ(buffer.omitted_bytes(), 0u);
}

TEST(HeadTailBuffer, KeepsHeadAndTailWithMarker) {
  // Compare with the reference: the first 5 and last 5 bytes of the whole stream.
  std::string all;
  HeadTailBuffer buffer(10);
  for (int chunk = 0; chunk < 50; ++chunk) {
    std::string piece = std::to_string(chunk) + ",";
    all += piece;
    buffer.append(piece);
  }
  EXPECT_EQ(buffer.total_bytes(), all.size());
  EXPECT_EQ(buffer.str(), all.substr(0, 5) + "\n[... " + std::to_string(all.size() - 10) + " bytes omitted ...]\n" +
                              all.substr(all.size() - 5));
}

TEST(Process, ExitCodeAndStreams) {
  const ProcessResult result = run_bash("echo out; echo err >&2; exit 3");
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.signal, 0);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.stdout_text, "out\n");
  EXPECT_EQ(result.stderr_text, "err\n");
  EXPECT_NE(result.combined.find("out\n"), std::string::npos);
  EXPECT_NE(result.combined.find("err\n"), std::string::npos);
}

TEST(Process, ReportsSignal) {
  const ProcessResult result = run_bash("kill -USR1 $$");
  EXPECT_EQ(result.exit_code, -1);
  EXPECT_EQ(result.signal, SIGUSR1);
}

TEST(Process, WorkingDirectoryAndEnvironment) {
  testing::TempDir temp;
  Result<ProcessResult> result = run_process({.argv = {"bash", "-c", "pwd; echo $LOOM_TEST_VALUE"},
                                              .working_directory = temp.path().string(),
                                              .environment = std::map<std::string, std::string>{
                                                  {"LOOM_TEST_VALUE", "42"}, {"PATH", "/usr/bin:/bin"}}});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->stdout_text, temp.path().string() + "\n42\n");
}

TEST(Process, MissingProgramIsAnError) {
  Result<ProcessResult> result = run_process({.argv = {"loom-no-such-program-xyz"}});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("loom-no-such-program-xyz"), std::string::npos);
  Result<ProcessResult> bad_dir = run_process({.argv = {"true"}, .working_directory = "/nonexistent/loom"});
  EXPECT_FALSE(bad_dir.ok());
}

TEST(Process, OutputOverCapKeepsHeadAndTail) {
  // 200000 numbered lines; the cap keeps 8 KiB, half from each end.
  const ProcessResult result = run_bash("seq 1 200000", 5000ms, 8192);
  std::string expected_all;
  for (int line = 1; line <= 200000; ++line) expected_all += std::to_string(line) + "\n";
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.omitted_bytes, expected_all.size() - 8192);
  EXPECT_EQ(result.stdout_text, expected_all.substr(0, 4096) + "\n[... " +
                                    std::to_string(expected_all.size() - 8192) + " bytes omitted ...]\n" +
                                    expected_all.substr(expected_all.size() - 4096));
}

TEST(Process, TimeoutKillsTheWholeProcessGroup) {
  testing::TempDir temp;
  const auto pid_file = temp.path() / "pid";
  const auto start = std::chrono::steady_clock::now();
  // The background sleep ignores SIGTERM, so only the group SIGKILL stops it.
  const ProcessResult result = run_bash(
      "(trap '' TERM; exec sleep 30) & echo $! > " + pid_file.string() + "; echo started; wait", 300ms);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(result.timed_out);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_EQ(result.stdout_text, "started\n");
  EXPECT_LT(elapsed, 3s);
  const pid_t child = std::stoi(testing::read_file(pid_file));
  for (int attempt = 0; attempt < 50 && process_alive(child); ++attempt) std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(process_alive(child)) << "background child " << child << " survived the timeout";
}

TEST(Process, BackgroundJobHoldingThePipeDoesNotHang) {
  testing::TempDir temp;
  const auto pid_file = temp.path() / "pid";
  const auto start = std::chrono::steady_clock::now();
  const ProcessResult result = run_bash("sleep 30 & echo $! > " + pid_file.string() + "; echo done", 10'000ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.stdout_text, "done\n");
  const pid_t child = std::stoi(testing::read_file(pid_file));
  for (int attempt = 0; attempt < 50 && process_alive(child); ++attempt) std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(process_alive(child));
}

}  // namespace
}  // namespace loom::agent
