// apply_patch: Codex's real patch from a captured stream, a table of cases
// with expected workspaces or errors, and the matcher's strictness levels.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <nlohmann/json.hpp>

#include "agent/patch_apply.h"
#include "agent/tools.h"
#include "agent_test_support.h"
#include "support/oracle.h"

namespace loom::agent {
namespace {

using Files = std::map<std::string, std::string>;
using testing::TempDir;

struct PatchCase {
  const char* name;
  Files before;
  std::string patch;
  Files after;         // expected workspace when `error` is empty
  std::string error;   // expected error substring; the workspace must then equal `before`
};

std::string wrap(const std::string& body) { return "*** Begin Patch\n" + body + "*** End Patch\n"; }

const std::vector<PatchCase>& cases() {
  static const std::vector<PatchCase> kCases = {
      {"add_file", {}, wrap("*** Add File: hello.txt\n+hello\n+world\n"), {{"hello.txt", "hello\nworld\n"}}, ""},
      {"add_creates_parent_directories", {}, wrap("*** Add File: a/b/c.txt\n+deep\n"), {{"a/b/c.txt", "deep\n"}}, ""},
      {"delete_file", {{"gone.txt", "x\n"}, {"keep.txt", "k\n"}}, wrap("*** Delete File: gone.txt\n"),
       {{"keep.txt", "k\n"}}, ""},
      {"update_with_context_lines", {{"a.txt", "one\ntwo\nthree\nfour\nfive\n"}},
       wrap("*** Update File: a.txt\n@@\n two\n-three\n+THREE\n four\n"),
       {{"a.txt", "one\ntwo\nTHREE\nfour\nfive\n"}}, ""},
      {"update_two_hunks", {{"a.txt", "1\n2\n3\n4\n5\n6\n7\n8\n9\n"}},
       wrap("*** Update File: a.txt\n@@\n 1\n-2\n+two\n 3\n@@\n 7\n-8\n+eight\n 9\n"),
       {{"a.txt", "1\ntwo\n3\n4\n5\n6\n7\neight\n9\n"}}, ""},
      {"context_header_picks_the_right_duplicate",
       {{"a.py", "def f():\n    return 1\n\ndef g():\n    return 1\n"}},
       wrap("*** Update File: a.py\n@@ def g():\n-    return 1\n+    return 2\n"),
       {{"a.py", "def f():\n    return 1\n\ndef g():\n    return 2\n"}}, ""},
      {"nested_context_headers",
       {{"a.py", "class A:\n  def run():\n    x = 1\nclass B:\n  def run():\n    x = 1\n"}},
       wrap("*** Update File: a.py\n@@ class B:\n@@   def run():\n-    x = 1\n+    x = 2\n"),
       {{"a.py", "class A:\n  def run():\n    x = 1\nclass B:\n  def run():\n    x = 2\n"}}, ""},
      {"move_with_change", {{"old.txt", "a\nb\n"}},
       wrap("*** Update File: old.txt\n*** Move to: new.txt\n@@\n-a\n+A\n b\n"), {{"new.txt", "A\nb\n"}}, ""},
      {"move_into_new_directory", {{"x/name.txt", "v\n"}, {"x/other.txt", "o\n"}},
       wrap("*** Update File: x/name.txt\n*** Move to: y/z/name.txt\n@@\n-v\n+w\n"),
       {{"x/other.txt", "o\n"}, {"y/z/name.txt", "w\n"}}, ""},
      {"end_of_file_marker_prefers_the_tail", {{"a.txt", "end\nmiddle\nend\n"}},
       wrap("*** Update File: a.txt\n@@\n-end\n+END\n*** End of File\n"), {{"a.txt", "end\nmiddle\nEND\n"}}, ""},
      {"pure_addition_appends", {{"a.txt", "a\nb\n"}}, wrap("*** Update File: a.txt\n@@\n+c\n"),
       {{"a.txt", "a\nb\nc\n"}}, ""},
      {"pure_addition_after_context_header", {{"a.txt", "head\nbody\ntail\n"}},
       wrap("*** Update File: a.txt\n@@ head\n+inserted\n"), {{"a.txt", "head\ninserted\nbody\ntail\n"}}, ""},
      {"first_hunk_without_header", {{"a.txt", "import foo\nrest\n"}},
       wrap("*** Update File: a.txt\n import foo\n+import bar\n"), {{"a.txt", "import foo\nimport bar\nrest\n"}},
       ""},
      {"tolerates_trailing_whitespace", {{"a.txt", "foo   \nbar\t\nbaz\n"}},
       // As in Codex, the matched range (context included) is rewritten as the patch spells it.
       wrap("*** Update File: a.txt\n@@\n foo\n-bar\n+BAR\n"), {{"a.txt", "foo\nBAR\nbaz\n"}}, ""},
      {"tolerates_leading_whitespace", {{"a.txt", "x\n    indented\ny\n"}},
       wrap("*** Update File: a.txt\n@@\n x\n-indented\n+  reindented\n"), {{"a.txt", "x\n  reindented\ny\n"}}, ""},
      {"folds_unicode_punctuation", {{"a.txt", "say \xE2\x80\x9Chi\xE2\x80\x9D \xE2\x80\x94 ok\nnext\n"}},
       wrap("*** Update File: a.txt\n@@\n-say \"hi\" - ok\n+say hello\n next\n"), {{"a.txt", "say hello\nnext\n"}},
       ""},
      {"deletion_only_hunk", {{"a.txt", "keep\ndrop\nkeep2\n"}}, wrap("*** Update File: a.txt\n@@\n keep\n-drop\n"),
       {{"a.txt", "keep\nkeep2\n"}}, ""},
      {"blank_patch_line_is_empty_context", {{"a.txt", "a\n\nb\n"}}, wrap("*** Update File: a.txt\n@@\n a\n\n-b\n+B\n"),
       {{"a.txt", "a\n\nB\n"}}, ""},
      {"keeps_crlf_line_endings", {{"a.txt", "one\r\ntwo\r\n"}}, wrap("*** Update File: a.txt\n@@\n-two\n+2\n"),
       {{"a.txt", "one\r\n2\r\n"}}, ""},
      {"adds_missing_final_newline", {{"a.txt", "a\nb"}}, wrap("*** Update File: a.txt\n@@\n-b\n+c\n"),
       {{"a.txt", "a\nc\n"}}, ""},
      {"add_of_existing_file_replaces_it", {{"dup.txt", "old\n"}}, wrap("*** Add File: dup.txt\n+new\n"),
       {{"dup.txt", "new\n"}}, ""},
      {"several_operations", {{"mod.txt", "x\n"}, {"del.txt", "d\n"}},
       wrap("*** Add File: nested/new.txt\n+n\n*** Delete File: del.txt\n*** Update File: mod.txt\n@@\n-x\n+y\n"),
       {{"mod.txt", "y\n"}, {"nested/new.txt", "n\n"}}, ""},
      {"heredoc_wrapper", {}, "<<'EOF'\n*** Begin Patch\n*** Add File: h.txt\n+h\n*** End Patch\nEOF\n",
       {{"h.txt", "h\n"}}, ""},
      {"padded_markers", {}, "  *** Begin Patch  \n*** Add File: p.txt\n+p\n  *** End Patch\n", {{"p.txt", "p\n"}}, ""},
      // Errors: the workspace must stay exactly as it was.
      {"mismatched_context", {{"a.txt", "one\ntwo\n"}}, wrap("*** Update File: a.txt\n@@\n one\n-three\n+3\n"), {},
       "failed to find the lines of hunk 1 in a.txt"},
      {"missing_context_header", {{"a.py", "def f():\n  pass\n"}},
       wrap("*** Update File: a.py\n@@ def nope():\n-  pass\n+  return\n"), {},
       "failed to find context 'def nope():' in a.py"},
      {"second_hunk_fails", {{"a.txt", "1\n2\n3\n"}}, wrap("*** Update File: a.txt\n@@\n-1\n+one\n@@\n-9\n+nine\n"), {},
       "failed to find the lines of hunk 2 in a.txt"},
      {"update_missing_file", {}, wrap("*** Update File: missing.txt\n@@\n-a\n+b\n"), {},
       "cannot update missing.txt: no such file"},
      {"delete_missing_file", {}, wrap("*** Delete File: nothing.txt\n"), {}, "cannot delete nothing.txt: no such file"},
      {"empty_patch", {{"a.txt", "a\n"}}, "*** Begin Patch\n*** End Patch\n", {}, "no file operations"},
      {"missing_end_patch", {}, "*** Begin Patch\n*** Add File: x.txt\n+x\n", {},
       "the last line must be '*** End Patch'"},
      {"missing_begin_patch", {}, "*** Add File: x.txt\n+x\n*** End Patch\n", {},
       "the first line must be '*** Begin Patch'"},
      {"invalid_operation", {}, wrap("*** Frobnicate File: x.txt\n"), {}, "is not a valid file operation"},
      {"update_without_hunks", {{"a.txt", "a\n"}}, wrap("*** Update File: a.txt\n"), {}, "update of 'a.txt' has no hunks"},
      {"bad_hunk_line", {{"a.txt", "a\n"}}, wrap("*** Update File: a.txt\n@@\n-a\n+b\n@@\nnot a diff line\n"), {},
       "invalid patch at line 7: unexpected line in update hunk"},
      {"all_or_nothing", {{"a.txt", "a\n"}},
       wrap("*** Add File: created.txt\n+c\n*** Delete File: a.txt\n*** Update File: b.txt\n@@\n-x\n+y\n"), {},
       "cannot update b.txt: no such file"},
      {"path_outside_workspace", {}, wrap("*** Add File: ../escape.txt\n+x\n"), {}, "is outside the workspace"},
      {"delete_directory", {{"dir/f.txt", "f\n"}}, wrap("*** Delete File: dir\n"), {}, "dir is a directory"},
  };
  return kCases;
}

class PatchCaseTest : public ::testing::TestWithParam<PatchCase> {};

TEST_P(PatchCaseTest, AppliesOrFailsCleanly) {
  const PatchCase& test_case = GetParam();
  TempDir temp;
  const auto root = temp.path() / "ws";
  std::filesystem::create_directories(root);
  for (const auto& [path, contents] : test_case.before) testing::write_file(root / path, contents);
  Workspace workspace = *Workspace::open(root, SandboxMode::kWorkspaceWrite);
  ToolContext context(workspace, ApprovalPolicy::kNever, nullptr);
  const ToolRegistry registry = default_tool_registry();
  Result<ToolOutput> output = registry.find("apply_patch")->run({.call_id = "c", .name = "apply_patch",
                                                                 .input = test_case.patch}, context);
  ASSERT_TRUE(output.ok()) << output.status().to_string();
  if (test_case.error.empty()) {
    EXPECT_FALSE(output->is_error) << output->text;
    EXPECT_EQ(testing::snapshot(root), test_case.after);
  } else {
    EXPECT_TRUE(output->is_error);
    EXPECT_NE(output->text.find(test_case.error), std::string::npos) << output->text;
    EXPECT_EQ(testing::snapshot(root), test_case.before) << "a failed patch must change nothing";
  }
  EXPECT_FALSE(std::filesystem::exists(temp.path() / "escape.txt"));
}

INSTANTIATE_TEST_SUITE_P(Table, PatchCaseTest, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return std::string(info.param.name); });

// The patch inside a real Codex custom_tool_call, taken from the captured
// Responses stream.
TEST(PatchFixture, CodexApplyPatchCallApplies) {
  std::ifstream sse(loom::testing::fixtures_dir() + "/clients/codex-responses-stream-apply-patch.sse");
  ASSERT_TRUE(sse.good());
  std::string line;
  std::string input;
  while (std::getline(sse, line)) {
    if (!line.starts_with("data: ")) continue;
    const auto event = nlohmann::json::parse(line.substr(6), nullptr, false);
    ASSERT_FALSE(event.is_discarded());
    if (event.value("type", "") == "response.output_item.done" && event["item"]["type"] == "custom_tool_call") {
      EXPECT_EQ(event["item"]["name"], "apply_patch");
      input = event["item"]["input"];
    }
  }
  ASSERT_FALSE(input.empty());
  TempDir temp;
  ToolContext context(*Workspace::open(temp.path(), SandboxMode::kWorkspaceWrite), ApprovalPolicy::kNever, nullptr);
  const ToolRegistry registry = default_tool_registry();
  Result<ToolOutput> output =
      registry.find("apply_patch")->run({.call_id = "call_codex_patch_1", .name = "apply_patch", .input = input},
                                        context);
  ASSERT_TRUE(output.ok());
  EXPECT_FALSE(output->is_error) << output->text;
  // What Codex itself answered in the follow-up request's custom_tool_call_output.
  EXPECT_EQ(output->text, "Success. Updated the following files:\nA hello.txt\n");
  EXPECT_EQ(testing::snapshot(temp.path()), (Files{{"hello.txt", "hello from apply_patch\n"}}));
}

// apply_patch is declared to the model exactly as Codex declares it.
TEST(PatchFixture, GrammarMatchesCodexToolDeclaration) {
  std::ifstream request(loom::testing::fixtures_dir() + "/clients/codex-responses-request-apply-patch-2.json");
  std::stringstream text;
  text << request.rdbuf();
  const auto captured = nlohmann::json::parse(text.str(), nullptr, false);
  ASSERT_FALSE(captured.is_discarded());
  nlohmann::json codex_tool;
  for (const auto& tool : captured["body"]["tools"])
    if (tool.value("name", "") == "apply_patch") codex_tool = tool;
  ASSERT_FALSE(codex_tool.is_null());
  const ToolRegistry registry = default_tool_registry();
  const nlohmann::json ours = responses_tool_json(registry.find("apply_patch")->spec());
  EXPECT_EQ(ours["type"], codex_tool["type"]);
  EXPECT_EQ(ours["format"], codex_tool["format"]);
}

TEST(PatchFixture, FunctionStyleInputArgument) {
  TempDir temp;
  ToolContext context(*Workspace::open(temp.path(), SandboxMode::kWorkspaceWrite), ApprovalPolicy::kNever, nullptr);
  const ToolRegistry registry = default_tool_registry();
  ToolCall call{.call_id = "c", .name = "apply_patch"};
  call.arguments = {{"input", wrap("*** Add File: f.txt\n+f\n")}};
  Result<ToolOutput> output = registry.find("apply_patch")->run(call, context);
  ASSERT_TRUE(output.ok());
  EXPECT_FALSE(output->is_error) << output->text;
  EXPECT_EQ(testing::read_file(temp.path() / "f.txt"), "f\n");
}

TEST(PatchFixture, ReadOnlyModeRefusesPatches) {
  TempDir temp;
  ToolContext context(*Workspace::open(temp.path(), SandboxMode::kReadOnly), ApprovalPolicy::kNever, nullptr);
  const ToolRegistry registry = default_tool_registry();
  Result<ToolOutput> output = registry.find("apply_patch")->run(
      {.call_id = "c", .name = "apply_patch", .input = wrap("*** Add File: f.txt\n+f\n")}, context);
  ASSERT_TRUE(output.ok());
  EXPECT_TRUE(output->is_error);
  EXPECT_TRUE(output->sandbox_denied);
  EXPECT_NE(output->text.find("read-only"), std::string::npos) << output->text;
  EXPECT_FALSE(std::filesystem::exists(temp.path() / "f.txt"));
}

TEST(SeekSequence, StrictnessLevelsInOrder) {
  const std::vector<std::string> lines = {"foo", "bar   ", "  baz", "qux"};
  EXPECT_EQ(seek_sequence(lines, {"foo"}, 0, false), 0u);
  EXPECT_EQ(seek_sequence(lines, {"bar"}, 0, false), 1u);           // trailing whitespace
  EXPECT_EQ(seek_sequence(lines, {"baz", "qux"}, 0, false), 2u);    // leading whitespace
  EXPECT_EQ(seek_sequence(lines, {"foo"}, 1, false), std::nullopt);  // only from `start`
  EXPECT_EQ(seek_sequence(lines, {"a", "b", "c", "d", "e"}, 0, false), std::nullopt);
  EXPECT_EQ(seek_sequence(lines, {}, 2, false), 2u);
}

TEST(SeekSequence, ExactMatchBeatsLaterFuzzyMatch) {
  // " x" fuzzily matches line 0, but the exact "x" on line 1 must win.
  const std::vector<std::string> lines = {" x", "x"};
  EXPECT_EQ(seek_sequence(lines, {"x"}, 0, false), 1u);
}

TEST(PatchParser, PathsIncludeMoveDestinations) {
  Result<Patch> patch = parse_patch(wrap("*** Update File: a\n*** Move to: b\n@@\n-x\n+y\n*** Delete File: c\n"));
  ASSERT_TRUE(patch.ok()) << patch.status().to_string();
  EXPECT_EQ(patch_paths(*patch), (std::vector<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace loom::agent
