// The `search` tool: a regular expression over the workspace's files,
// respecting .gitignore; results as path:line:text.
#include <fnmatch.h>

#include <regex>

#include "agent/file_io.h"
#include "agent/file_listing.h"
#include "agent/tools.h"

namespace loom::agent {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxFileBytes = 8 << 20;     // larger files are skipped
constexpr size_t kMaxLineBytes = 4096;        // longer lines (minified code) are not matched
constexpr size_t kShownLineBytes = 300;       // matched lines are cut to this many bytes

struct SearchArguments {
  std::string pattern;
  std::string path;
  std::string include;
  bool case_insensitive;
  size_t max_results;
};

// std::regex reports bad patterns by throwing; this is the one place that
// catches, turning it into a Status.
Result<std::regex> compile(const std::string& pattern, bool case_insensitive) {
  auto flags = std::regex::ECMAScript | std::regex::optimize;
  if (case_insensitive) flags |= std::regex::icase;
  try {
    return std::regex(pattern, flags);
  } catch (const std::regex_error& error) {
    return invalid_argument("invalid regular expression '", pattern, "': ", error.what());
  }
}

bool line_matches(const std::regex& regex, std::string_view line) {
  try {
    return std::regex_search(line.begin(), line.end(), regex);
  } catch (const std::regex_error&) {  // error_complexity / error_stack on pathological input
    return false;
  }
}

bool include_matches(const std::string& include, const std::string& relative) {
  if (include.empty()) return true;
  const bool by_path = include.find('/') != std::string::npos;
  const std::string subject = by_path ? relative : fs::path(relative).filename().string();
  return ::fnmatch(include.c_str(), subject.c_str(), by_path ? FNM_PATHNAME : 0) == 0;
}

class SearchTool : public Tool {
 public:
  const ToolSpec& spec() const override { return spec_; }

  ToolAccess access(const ToolCall& call, const ToolContext& context) const override {
    ToolAccess access;
    Result<std::string> path = optional_string_argument(call.arguments, "path", ".");
    if (!path.ok()) return access;
    if (Result<fs::path> resolved = context.workspace().resolve(*path, PathAccess::kRead); resolved.ok())
      access.reads.push_back(*resolved);
    return access;
  }

  Result<ToolOutput> run(const ToolCall& call, ToolContext& context) const override {
    Result<std::string> text = search(call.arguments, context);
    if (!text.ok()) return ToolOutput::failure(text.status().message());
    return ToolOutput::success(std::move(*text));
  }

 private:
  static Result<SearchArguments> parse(const nlohmann::json& arguments, const ToolLimits& limits) {
    SearchArguments parsed;
    parsed.pattern = TRY(string_argument(arguments, "pattern"));
    parsed.path = TRY(optional_string_argument(arguments, "path", "."));
    parsed.include = TRY(optional_string_argument(arguments, "include", ""));
    parsed.case_insensitive = TRY(optional_bool_argument(arguments, "case_insensitive", false));
    const int64_t max_results =
        TRY(optional_int_argument(arguments, "max_results", static_cast<int64_t>(limits.max_search_results)));
    if (max_results < 1) return invalid_argument("argument 'max_results' must be positive");
    parsed.max_results = std::min(static_cast<size_t>(max_results), limits.max_search_results);
    return parsed;
  }

  static Result<std::string> search(const nlohmann::json& json_arguments, const ToolContext& context) {
    const SearchArguments arguments = TRY(parse(json_arguments, context.limits));
    const std::regex regex = TRY(compile(arguments.pattern, arguments.case_insensitive));
    const fs::path directory = TRY(context.workspace().resolve(arguments.path, PathAccess::kRead));
    const std::vector<fs::path> files = TRY(list_files(context.workspace().root(), directory));

    std::string out;
    size_t results = 0;
    bool capped = false;
    for (const fs::path& file : files) {
      const std::string relative = context.workspace().display(file);
      if (!include_matches(arguments.include, relative)) continue;
      std::error_code error;
      if (fs::file_size(file, error) > kMaxFileBytes || error) continue;
      Result<std::string> contents = read_file_bytes(file);
      if (!contents.ok() || contents->substr(0, 8192).find('\0') != std::string::npos) continue;
      std::string_view rest = *contents;
      for (size_t line_number = 1; !rest.empty(); ++line_number) {
        const size_t newline = rest.find('\n');
        std::string_view line = rest.substr(0, newline);
        rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.size() > kMaxLineBytes || !line_matches(regex, line)) continue;
        if (results == arguments.max_results) {
          capped = true;
          break;
        }
        out += str_cat(relative, ":", line_number, ":", line.substr(0, kShownLineBytes),
                       line.size() > kShownLineBytes ? "..." : "", "\n");
        ++results;
      }
      if (capped) break;
    }
    if (results == 0) return std::string("No matches.\n");
    if (capped) out += str_cat("[results capped at ", arguments.max_results, "; narrow the pattern or path]\n");
    return out;
  }

  ToolSpec spec_{
      .name = "search",
      .description = "Searches file contents with a regular expression (ECMAScript syntax) over the workspace, "
                     "skipping files ignored by .gitignore and binary files. Prints path:line:text per match.",
      .parameters = {
          {"type", "object"},
          {"properties",
           {{"pattern", {{"type", "string"}, {"description", "Regular expression to find in each line."}}},
            {"path", {{"type", "string"}, {"description", "File or directory to search. Default '.'."}}},
            {"include", {{"type", "string"}, {"description", "Glob on file names (or paths, if it has '/'), e.g. '*.cc'."}}},
            {"case_insensitive", {{"type", "boolean"}}},
            {"max_results", {{"type", "integer"}, {"description", "At most this many matches (default 200)."}}}}},
          {"required", {"pattern"}},
          {"additionalProperties", false}}};
};

}  // namespace

std::unique_ptr<Tool> make_search_tool() { return std::make_unique<SearchTool>(); }

}  // namespace loom::agent
