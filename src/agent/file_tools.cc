// File tools: read_file, write_file and list_dir, confined by Workspace.
#include <algorithm>

#include "agent/file_io.h"
#include "agent/tools.h"

namespace loom::agent {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kMaxReadLines = 2000;

nlohmann::json string_property(std::string_view description) {
  return {{"type", "string"}, {"description", description}};
}

nlohmann::json integer_property(std::string_view description) {
  return {{"type", "integer"}, {"description", description}};
}

bool looks_binary(std::string_view contents) {
  return contents.substr(0, 8192).find('\0') != std::string_view::npos;
}

// Access of a tool whose one path argument is read or written.
ToolAccess path_access(const ToolCall& call, const ToolContext& context, PathAccess kind, std::string fallback) {
  ToolAccess access;
  Result<std::string> path = optional_string_argument(call.arguments, "path", std::move(fallback));
  if (!path.ok() || path->empty()) return access;
  Result<fs::path> resolved = context.workspace().resolve(*path, kind);
  if (!resolved.ok()) return access;
  (kind == PathAccess::kRead ? access.reads : access.writes).push_back(*resolved);
  return access;
}

class ReadFileTool : public Tool {
 public:
  const ToolSpec& spec() const override { return spec_; }
  ToolAccess access(const ToolCall& call, const ToolContext& context) const override {
    return path_access(call, context, PathAccess::kRead, "");
  }

  Result<ToolOutput> run(const ToolCall& call, ToolContext& context) const override {
    Result<ToolOutput> output = read(call.arguments, context);
    if (!output.ok()) return ToolOutput::failure(output.status().message());
    return output;
  }

 private:
  static Result<ToolOutput> read(const nlohmann::json& arguments, const ToolContext& context) {
    const std::string path = TRY(string_argument(arguments, "path"));
    const int64_t start = TRY(optional_int_argument(arguments, "start_line", 1));
    const int64_t end = TRY(optional_int_argument(arguments, "end_line", start + kMaxReadLines - 1));
    if (start < 1 || end < start) return invalid_argument("need 1 <= start_line <= end_line");
    const fs::path resolved = TRY(context.workspace().resolve(path, PathAccess::kRead));
    const std::string contents = TRY(read_file_bytes(resolved));
    if (looks_binary(contents)) return invalid_argument(path, " looks like a binary file");

    // Lines [start, end], 1-based; clipped to the file, the line cap and the byte cap.
    const int64_t last_wanted = std::min(end, start + kMaxReadLines - 1);
    std::string text{};
    int64_t line = 1;
    int64_t last_shown = 0;
    bool byte_capped = false;
    size_t pos = 0;
    while (pos < contents.size() && line <= last_wanted) {
      size_t newline = contents.find('\n', pos);
      const size_t next = newline == std::string::npos ? contents.size() : newline + 1;
      if (line >= start) {
        if (text.size() + (next - pos) > context.limits.output_cap_bytes) {
          byte_capped = true;
          break;
        }
        text.append(contents, pos, next - pos);
        last_shown = line;
      }
      pos = next;
      ++line;
    }
    int64_t total_lines = std::count(contents.begin(), contents.end(), '\n');
    if (!contents.empty() && contents.back() != '\n') ++total_lines;
    if (start > total_lines && total_lines > 0)
      return out_of_range(path, " has ", total_lines, " lines; start_line ", start, " is past the end");
    const bool whole = start == 1 && last_shown == total_lines;
    if (!whole) {
      if (!text.empty() && text.back() != '\n') text.push_back('\n');
      text += str_cat("[lines ", start, "-", last_shown, " of ", total_lines,
                      byte_capped ? "; output cap reached" : "", "]\n");
    }
    return ToolOutput::success(std::move(text));
  }

  ToolSpec spec_{
      .name = "read_file",
      .description = "Reads a text file in the workspace and returns its lines as plain text (no line numbers). "
                     "Use start_line/end_line (1-based, inclusive) for a range; a partial read ends with a "
                     "'[lines A-B of N]' note. At most 2000 lines per call.",
      .parameters = {{"type", "object"},
                     {"properties",
                      {{"path", string_property("File path, relative to the workspace root.")},
                       {"start_line", integer_property("First line to return (1-based). Default 1.")},
                       {"end_line", integer_property("Last line to return (inclusive).")}}},
                     {"required", {"path"}},
                     {"additionalProperties", false}}};
};

class WriteFileTool : public Tool {
 public:
  const ToolSpec& spec() const override { return spec_; }
  ToolAccess access(const ToolCall& call, const ToolContext& context) const override {
    return path_access(call, context, PathAccess::kWrite, "");
  }

  Result<ToolOutput> run(const ToolCall& call, ToolContext& context) const override {
    Result<std::string> written = write(call.arguments, context);
    if (!written.ok()) return ToolOutput::failure(written.status().message());
    return ToolOutput::success(std::move(*written));
  }

 private:
  static Result<std::string> write(const nlohmann::json& arguments, const ToolContext& context) {
    const std::string path = TRY(string_argument(arguments, "path"));
    const std::string content = TRY(string_argument(arguments, "content"));
    const fs::path resolved = TRY(context.workspace().resolve(path, PathAccess::kWrite));
    std::error_code error;
    if (fs::is_directory(resolved, error)) return invalid_argument(path, " is a directory");
    TRY(create_parent_directories(resolved, nullptr));
    TRY(write_file_bytes(resolved, content));
    return str_cat("Wrote ", content.size(), " bytes to ", context.workspace().display(resolved), "\n");
  }

  ToolSpec spec_{
      .name = "write_file",
      .description = "Writes a file in the workspace, replacing it if it exists and creating missing parent "
                     "directories. Prefer apply_patch for edits to existing files.",
      .parameters = {{"type", "object"},
                     {"properties",
                      {{"path", string_property("File path, relative to the workspace root.")},
                       {"content", string_property("The complete new contents of the file.")}}},
                     {"required", {"path", "content"}},
                     {"additionalProperties", false}}};
};

class ListDirTool : public Tool {
 public:
  const ToolSpec& spec() const override { return spec_; }
  ToolAccess access(const ToolCall& call, const ToolContext& context) const override {
    return path_access(call, context, PathAccess::kRead, ".");
  }

  Result<ToolOutput> run(const ToolCall& call, ToolContext& context) const override {
    Result<std::string> listing = list(call.arguments, context);
    if (!listing.ok()) return ToolOutput::failure(listing.status().message());
    return ToolOutput::success(std::move(*listing));
  }

 private:
  struct Walk {
    size_t cap = 0;
    size_t shown = 0;
    size_t skipped = 0;
    std::string text;
  };

  static void walk(const fs::path& directory, int depth, int max_depth, Walk& state) {
    std::vector<fs::directory_entry> entries;
    std::error_code error;
    for (fs::directory_iterator it(directory, error), end; !error && it != end; it.increment(error))
      entries.push_back(*it);
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
    for (const fs::directory_entry& entry : entries) {
      const std::string name = entry.path().filename().string();
      if (name == ".git") continue;
      const bool is_directory = entry.is_directory(error) && !entry.is_symlink(error);
      if (state.shown >= state.cap) {
        ++state.skipped;
        continue;
      }
      state.text += std::string(2 * depth, ' ') + name + (is_directory ? "/" : entry.is_symlink(error) ? "@" : "") + "\n";
      ++state.shown;
      if (is_directory && depth + 1 < max_depth) walk(entry.path(), depth + 1, max_depth, state);
    }
  }

  static Result<std::string> list(const nlohmann::json& arguments, const ToolContext& context) {
    const std::string path = TRY(optional_string_argument(arguments, "path", "."));
    const int64_t depth = TRY(optional_int_argument(arguments, "depth", 2));
    if (depth < 1 || depth > 10) return invalid_argument("argument 'depth' must be between 1 and 10");
    const fs::path resolved = TRY(context.workspace().resolve(path, PathAccess::kRead));
    std::error_code error;
    if (!fs::is_directory(resolved, error)) return not_found(path, " is not a directory");
    Walk state;
    state.cap = context.limits.max_list_entries;
    walk(resolved, 0, static_cast<int>(depth), state);
    std::string header = str_cat(context.workspace().display(resolved), "/\n");
    // Skipped folders are not descended into, so the true remainder is unknown.
    if (state.skipped > 0) state.text += str_cat("[entry cap of ", state.cap, " reached; more entries not shown]\n");
    return header + state.text;
  }

  ToolSpec spec_{
      .name = "list_dir",
      .description = "Lists a directory of the workspace as an indented tree (directories end in '/', symlinks "
                     "in '@'), sorted by name, skipping .git.",
      .parameters = {{"type", "object"},
                     {"properties",
                      {{"path", string_property("Directory, relative to the workspace root. Default '.'.")},
                       {"depth", integer_property("How many levels to descend (1-10). Default 2.")}}},
                     {"additionalProperties", false}}};
};

}  // namespace

std::unique_ptr<Tool> make_read_file_tool() { return std::make_unique<ReadFileTool>(); }
std::unique_ptr<Tool> make_write_file_tool() { return std::make_unique<WriteFileTool>(); }
std::unique_ptr<Tool> make_list_dir_tool() { return std::make_unique<ListDirTool>(); }

}  // namespace loom::agent
