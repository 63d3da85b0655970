// The file, search, plan and shell tools' outputs, against workspaces built
// by each test; search results are compared with `git grep` where git exists.
#include <gtest/gtest.h>

#include "agent/file_listing.h"
#include "agent/process.h"
#include "agent/tools.h"
#include "agent_test_support.h"

namespace loom::agent {
namespace {

using testing::TempDir;

class ToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    context_ = std::make_unique<ToolContext>(*Workspace::open(temp_.path(), SandboxMode::kFullAccess),
                                             ApprovalPolicy::kNever, nullptr);
  }
  ToolOutput run(const std::string& name, nlohmann::json arguments) {
    ToolCall call{.call_id = "c", .name = name};
    call.arguments = std::move(arguments);
    Result<ToolOutput> output = registry_.find(name)->run(call, *context_);
    EXPECT_TRUE(output.ok()) << output.status().to_string();
    return output.ok() ? *output : ToolOutput::failure("session failure");
  }
  std::string numbered_lines(int count) {
    std::string text;
    for (int line = 1; line <= count; ++line) text += "line " + std::to_string(line) + "\n";
    return text;
  }
  TempDir temp_;
  const ToolRegistry registry_ = default_tool_registry();
  std::unique_ptr<ToolContext> context_;
};

TEST_F(ToolsTest, RegistryHasEveryToolWithSchemas) {
  std::vector<std::string> names;
  for (const ToolSpec* spec : registry_.specs()) {
    names.push_back(spec->name);
    EXPECT_FALSE(spec->description.empty());
    const nlohmann::json chat = chat_tool_json(*spec);
    EXPECT_EQ(chat["type"], "function");
    EXPECT_EQ(chat["function"]["name"], spec->name);
    EXPECT_EQ(chat["function"]["parameters"]["type"], "object");
  }
  EXPECT_EQ(names, (std::vector<std::string>{"shell", "read_file", "write_file", "apply_patch", "search", "list_dir",
                                             "update_plan"}));
  EXPECT_EQ(registry_.find("apply_patch")->spec().format, ToolFormat::kFreeform);
}

TEST_F(ToolsTest, ReadFileWholeAndRanges) {
  const std::string text = numbered_lines(10);
  testing::write_file(temp_.path() / "f.txt", text);
  EXPECT_EQ(run("read_file", {{"path", "f.txt"}}).text, text);
  EXPECT_EQ(run("read_file", {{"path", "f.txt"}, {"start_line", 3}, {"end_line", 4}}).text,
            "line 3\nline 4\n[lines 3-4 of 10]\n");
  EXPECT_EQ(run("read_file", {{"path", "f.txt"}, {"start_line", 9}, {"end_line", 50}}).text,
            "line 9\nline 10\n[lines 9-10 of 10]\n");
  EXPECT_TRUE(run("read_file", {{"path", "f.txt"}, {"start_line", 11}}).is_error);
  EXPECT_TRUE(run("read_file", {{"path", "f.txt"}, {"start_line", 0}}).is_error);
  EXPECT_TRUE(run("read_file", {{"path", "missing.txt"}}).is_error);
  EXPECT_TRUE(run("read_file", {{"start_line", 1}}).is_error);  // no path
  testing::write_file(temp_.path() / "bin", std::string("a\0b", 3));
  EXPECT_NE(run("read_file", {{"path", "bin"}}).text.find("binary"), std::string::npos);
}

TEST_F(ToolsTest, ReadFileByteCap) {
  context_->limits.output_cap_bytes = 30;
  testing::write_file(temp_.path() / "f.txt", numbered_lines(10));
  EXPECT_EQ(run("read_file", {{"path", "f.txt"}}).text, "line 1\nline 2\nline 3\nline 4\n[lines 1-4 of 10; output cap reached]\n");
}

TEST_F(ToolsTest, WriteFileCreatesParents) {
  const ToolOutput output = run("write_file", {{"path", "a/b/c.txt"}, {"content", "hello"}});
  EXPECT_FALSE(output.is_error) << output.text;
  EXPECT_EQ(output.text, "Wrote 5 bytes to a/b/c.txt\n");
  EXPECT_EQ(testing::read_file(temp_.path() / "a/b/c.txt"), "hello");
  EXPECT_TRUE(run("write_file", {{"path", "a"}, {"content", "x"}}).is_error);  // a directory
}

TEST_F(ToolsTest, ListDirTreeWithDepthAndCap) {
  testing::write_file(temp_.path() / "src/b.cc", "");
  testing::write_file(temp_.path() / "src/a.cc", "");
  testing::write_file(temp_.path() / "src/deep/x.h", "");
  testing::write_file(temp_.path() / "README", "");
  testing::write_file(temp_.path() / ".git/HEAD", "");
  EXPECT_EQ(run("list_dir", {{"depth", 2}}).text, "./\nREADME\nsrc/\n  a.cc\n  b.cc\n  deep/\n");
  EXPECT_EQ(run("list_dir", {{"path", "src"}, {"depth", 1}}).text, "src/\na.cc\nb.cc\ndeep/\n");
  context_->limits.max_list_entries = 2;
  EXPECT_EQ(run("list_dir", {{"depth", 3}}).text, "./\nREADME\nsrc/\n[entry cap of 2 reached; more entries not shown]\n");
  EXPECT_TRUE(run("list_dir", {{"path", "README"}}).is_error);
}

TEST_F(ToolsTest, UpdatePlanKeepsAndEchoesThePlan) {
  const ToolOutput output = run("update_plan", {{"plan",
                                                 {{{"step", "read code"}, {"status", "completed"}},
                                                  {{"step", "fix bug"}, {"status", "in_progress"}},
                                                  {{"step", "test"}, {"status", "pending"}}}}});
  EXPECT_EQ(output.text, "Plan updated:\n[x] read code\n[~] fix bug\n[ ] test\n");
  ASSERT_EQ(context_->plan().size(), 3u);
  EXPECT_EQ(context_->plan()[1].step, "fix bug");
  EXPECT_TRUE(run("update_plan", {{"plan", {{{"step", "x"}, {"status", "done"}}}}}).is_error);
  EXPECT_TRUE(run("update_plan", {{"plan", {{{"step", "x"}, {"status", "in_progress"}},
                                            {{"step", "y"}, {"status", "in_progress"}}}}}).is_error);
  EXPECT_EQ(context_->plan().size(), 3u);  // a rejected update keeps the old plan
}

TEST_F(ToolsTest, ShellOutputFormat) {
  ToolOutput output = run("shell", {{"command", "echo hi; echo oops >&2; exit 2"}});
  EXPECT_TRUE(output.is_error);
  EXPECT_TRUE(output.text.starts_with("Exit code: 2\nWall time: ")) << output.text;
  EXPECT_NE(output.text.find("Output:\nhi\noops\n"), std::string::npos) << output.text;
  output = run("shell", {{"command", "pwd"}, {"workdir", "sub"}});
  EXPECT_TRUE(output.is_error);  // no such directory yet
  std::filesystem::create_directory(temp_.path() / "sub");
  output = run("shell", {{"command", "pwd"}, {"workdir", "sub"}});
  EXPECT_NE(output.text.find((temp_.path() / "sub").string()), std::string::npos) << output.text;
  EXPECT_TRUE(run("shell", {{"command", 5}}).is_error);
  EXPECT_TRUE(run("shell", {{"command", "true"}, {"timeout_ms", -1}}).is_error);
}

TEST_F(ToolsTest, ShellOutputIsCapped) {
  context_->limits.output_cap_bytes = 1000;
  const ToolOutput output = run("shell", {{"command", "seq 1 100000"}});
  EXPECT_FALSE(output.is_error);
  EXPECT_NE(output.text.find("Output:\n1\n2\n3\n"), std::string::npos);
  EXPECT_NE(output.text.find(" bytes omitted ...]\n"), std::string::npos);
  EXPECT_TRUE(output.text.ends_with("99999\n100000\n"));
  EXPECT_LT(output.text.size(), 1200u);
}

TEST_F(ToolsTest, SearchWithoutGitAppliesGitignore) {
  testing::write_file(temp_.path() / ".gitignore", "build/\n*.log\n/top.txt\n");
  testing::write_file(temp_.path() / "src/a.cc", "int needle = 1;\nother\n");
  testing::write_file(temp_.path() / "src/sub/top.txt", "needle here too\n");  // only /top.txt is ignored
  testing::write_file(temp_.path() / "top.txt", "needle ignored\n");
  testing::write_file(temp_.path() / "build/gen.cc", "needle generated\n");
  testing::write_file(temp_.path() / "run.log", "needle log\n");
  testing::write_file(temp_.path() / "blob.bin", std::string("needle\0", 7));
  const ToolOutput output = run("search", {{"pattern", "need+le"}});
  EXPECT_EQ(output.text, "src/a.cc:1:int needle = 1;\nsrc/sub/top.txt:1:needle here too\n");
  EXPECT_EQ(run("search", {{"pattern", "NEEDLE"}, {"case_insensitive", true}, {"include", "*.cc"}}).text,
            "src/a.cc:1:int needle = 1;\n");
  EXPECT_EQ(run("search", {{"pattern", "absent"}}).text, "No matches.\n");
  EXPECT_TRUE(run("search", {{"pattern", "(unclosed"}}).is_error);
  EXPECT_EQ(run("search", {{"pattern", "needle"}, {"max_results", 1}}).text,
            "src/a.cc:1:int needle = 1;\n[results capped at 1; narrow the pattern or path]\n");
}

TEST_F(ToolsTest, SearchInGitRepositoryMatchesGitGrep) {
  Result<ProcessResult> git = run_process({.argv = {"git", "init", "-q", temp_.path().string()}});
  if (!git.ok() || git->exit_code != 0) GTEST_SKIP() << "git is not available";
  testing::write_file(temp_.path() / ".gitignore", "ignored/\n");
  testing::write_file(temp_.path() / "tracked.txt", "alpha\nbeta alpha\n");
  testing::write_file(temp_.path() / "untracked/new.txt", "alpha untracked\n");
  testing::write_file(temp_.path() / "ignored/x.txt", "alpha ignored\n");
  run_process({.argv = {"git", "add", "tracked.txt"}, .working_directory = temp_.path().string()}).value();
  // The reference: git grep over tracked and untracked files, honouring .gitignore.
  Result<ProcessResult> reference = run_process({.argv = {"git", "grep", "-n", "--untracked", "alpha"},
                                                 .working_directory = temp_.path().string()});
  ASSERT_TRUE(reference.ok());
  EXPECT_EQ(run("search", {{"pattern", "alpha"}}).text, reference->stdout_text);
}

TEST(GitIgnore, Patterns) {
  const GitIgnore ignore = GitIgnore::parse("# comment\n*.o\nbuild/\n/root_only\ndocs/*.tmp\n\n");
  EXPECT_TRUE(ignore.ignored("a.o", false));
  EXPECT_TRUE(ignore.ignored("src/deep/a.o", false));
  EXPECT_TRUE(ignore.ignored("build", true));
  EXPECT_TRUE(ignore.ignored("src/build", true));
  EXPECT_FALSE(ignore.ignored("build", false));  // directory-only rule
  EXPECT_TRUE(ignore.ignored("root_only", false));
  EXPECT_FALSE(ignore.ignored("src/root_only", false));
  EXPECT_TRUE(ignore.ignored("docs/x.tmp", false));
  EXPECT_FALSE(ignore.ignored("docs/sub/x.tmp", false));
  EXPECT_FALSE(ignore.ignored("main.cc", false));
}

}  // namespace
}  // namespace loom::agent
