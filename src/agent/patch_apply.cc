// Hunk location, in-memory application, and the all-or-nothing commit.
#include "agent/patch_apply.h"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "agent/file_io.h"

namespace loom::agent {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kSpace = " \t\r\n\v\f";

std::string_view trim_end(std::string_view text) {
  const size_t last = text.find_last_not_of(kSpace);
  return last == std::string_view::npos ? std::string_view() : text.substr(0, last + 1);
}

std::string_view trim(std::string_view text) {
  text = trim_end(text);
  const size_t first = text.find_first_not_of(kSpace);
  return first == std::string_view::npos ? std::string_view() : text.substr(first);
}

// Folds typographic dashes, quotes and spaces to ASCII, so a patch typed in
// ASCII still finds "smart" punctuation in the file.
std::string fold_punctuation(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t index = 0; index < text.size(); ++index) {
    const auto byte = static_cast<unsigned char>(text[index]);
    if (byte == 0xC2 && index + 1 < text.size() && static_cast<unsigned char>(text[index + 1]) == 0xA0) {
      out.push_back(' ');  // U+00A0 no-break space
      ++index;
      continue;
    }
    if ((byte == 0xE2 || byte == 0xE3) && index + 2 < text.size()) {
      const uint32_t code = ((byte & 0x0F) << 12) | ((static_cast<unsigned char>(text[index + 1]) & 0x3F) << 6) |
                            (static_cast<unsigned char>(text[index + 2]) & 0x3F);
      char ascii = 0;
      if ((code >= 0x2010 && code <= 0x2015) || code == 0x2212) ascii = '-';
      else if (code >= 0x2018 && code <= 0x201B) ascii = '\'';
      else if (code >= 0x201C && code <= 0x201F) ascii = '"';
      else if ((code >= 0x2002 && code <= 0x200A) || code == 0x202F || code == 0x205F || code == 0x3000) ascii = ' ';
      if (ascii != 0) {
        out.push_back(ascii);
        index += 2;
        continue;
      }
    }
    out.push_back(text[index]);
  }
  return out;
}

template <typename Equal>
std::optional<size_t> find_from(const std::vector<std::string>& lines, const std::vector<std::string>& pattern,
                                 size_t start, size_t last_start, Equal equal) {
  for (size_t begin = start; begin <= last_start; ++begin) {
    bool match = true;
    for (size_t offset = 0; match && offset < pattern.size(); ++offset)
      match = equal(lines[begin + offset], pattern[offset]);
    if (match) return begin;
  }
  return std::nullopt;
}

std::optional<size_t> find_any_level(const std::vector<std::string>& lines, const std::vector<std::string>& pattern,
                                     size_t start, size_t last_start) {
  if (start > last_start) return std::nullopt;
  if (auto found = find_from(lines, pattern, start, last_start,
                             [](const std::string& a, const std::string& b) { return a == b; }))
    return found;
  if (auto found = find_from(lines, pattern, start, last_start,
                             [](const std::string& a, const std::string& b) { return trim_end(a) == trim_end(b); }))
    return found;
  if (auto found = find_from(lines, pattern, start, last_start,
                             [](const std::string& a, const std::string& b) { return trim(a) == trim(b); }))
    return found;
  return find_from(lines, pattern, start, last_start, [](const std::string& a, const std::string& b) {
    return fold_punctuation(trim(a)) == fold_punctuation(trim(b));
  });
}

std::string quote_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += str_cat("  |", line, "\n");
  return out;
}

}  // namespace

std::optional<size_t> seek_sequence(const std::vector<std::string>& lines, const std::vector<std::string>& pattern,
                                    size_t start, bool end_of_file) {
  if (pattern.empty()) return start;
  if (pattern.size() > lines.size()) return std::nullopt;
  const size_t last_start = lines.size() - pattern.size();
  if (end_of_file) {
    if (auto found = find_any_level(lines, pattern, std::max(start, last_start), last_start)) return found;
  }
  return find_any_level(lines, pattern, start, last_start);
}

Result<std::string> apply_chunks(std::string_view original, const std::vector<PatchChunk>& chunks,
                                 std::string_view path) {
  // Lines without their terminators; a final newline does not start a line.
  const bool crlf = original.find("\r\n") != std::string_view::npos;
  std::vector<std::string> lines;
  for (std::string_view rest = original; !rest.empty();) {
    const size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    if (crlf && !line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.emplace_back(line);
    if (newline == std::string_view::npos) break;
    rest.remove_prefix(newline + 1);
  }

  struct Replacement {
    size_t start, old_count;
    std::vector<std::string> new_lines;
  };
  std::vector<Replacement> replacements;
  size_t line_index = 0;
  for (size_t chunk_index = 0; chunk_index < chunks.size(); ++chunk_index) {
    const PatchChunk& chunk = chunks[chunk_index];
    for (const std::string& context : chunk.contexts) {
      auto found = seek_sequence(lines, {context}, line_index, false);
      if (!found)
        return not_found("failed to find context '", context, "' in ", path,
                         line_index > 0 ? str_cat(" after line ", line_index) : std::string());
      line_index = *found + 1;
    }
    if (chunk.old_lines.empty()) {  // pure addition: after the context, else at the end
      const size_t at = chunk.contexts.empty() || chunk.end_of_file ? lines.size() : line_index;
      replacements.push_back({at, 0, chunk.new_lines});
      continue;
    }
    std::vector<std::string> old_lines = chunk.old_lines;
    std::vector<std::string> new_lines = chunk.new_lines;
    auto found = seek_sequence(lines, old_lines, line_index, chunk.end_of_file);
    // A trailing blank context line often stands for the file's final newline.
    if (!found && old_lines.back().empty()) {
      old_lines.pop_back();
      if (!new_lines.empty() && new_lines.back().empty()) new_lines.pop_back();
      found = seek_sequence(lines, old_lines, line_index, chunk.end_of_file);
    }
    if (!found)
      return not_found("failed to find the lines of hunk ", chunk_index + 1, " in ", path,
                       line_index > 0 ? str_cat(" (searching from line ", line_index + 1, ")") : std::string(),
                       chunk.end_of_file ? " at the end of the file" : "", ":\n", quote_lines(chunk.old_lines));
    replacements.push_back({*found, old_lines.size(), std::move(new_lines)});
    line_index = *found + old_lines.size();
  }

  std::stable_sort(replacements.begin(), replacements.end(),
                   [](const Replacement& a, const Replacement& b) { return a.start < b.start; });
  for (auto it = replacements.rbegin(); it != replacements.rend(); ++it) {
    auto begin = lines.begin() + static_cast<std::ptrdiff_t>(it->start);
    lines.erase(begin, begin + static_cast<std::ptrdiff_t>(it->old_count));
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(it->start), it->new_lines.begin(), it->new_lines.end());
  }
  const std::string_view eol = crlf ? "\r\n" : "\n";
  std::string result;
  for (const std::string& line : lines) {
    result += line;
    result += eol;
  }
  return result;
}

std::string PatchSummary::text() const {
  std::string out = "Success. Updated the following files:\n";
  for (const auto& path : added) out += str_cat("A ", path, "\n");
  for (const auto& path : modified) out += str_cat("M ", path, "\n");
  for (const auto& path : deleted) out += str_cat("D ", path, "\n");
  return out;
}

namespace {

// The patch's view of the files it touches: contents before and after.
struct FileChange {
  std::optional<std::string> before;  // nullopt: did not exist
  std::optional<std::string> after;   // nullopt: deleted / absent
};

class Staging {
 public:
  explicit Staging(const Workspace& workspace) : workspace_(workspace) {}

  Result<fs::path> resolve(const std::string& path) {
    Result<fs::path> resolved = workspace_.resolve(path, PathAccess::kWrite);
    if (!resolved.ok()) return resolved.status();
    std::error_code error;
    if (fs::is_directory(*resolved, error)) return invalid_argument(path, " is a directory");
    return resolved;
  }

  // The file as the patch has left it so far (nullopt: absent).
  Result<std::optional<std::string>> current(const fs::path& path) {
    auto it = changes_.find(path);
    if (it != changes_.end()) return it->second.after;
    TRY(load(path));
    return changes_.at(path).after;
  }

  Status set(const fs::path& path, std::optional<std::string> contents) {
    TRY(load(path));
    changes_.at(path).after = std::move(contents);
    return {};
  }

  Status commit() {
    std::vector<fs::path> created_directories;
    std::vector<const fs::path*> done;
    for (const fs::path& path : order_) {
      const FileChange& change = changes_.at(path);
      if (change.after == change.before) continue;
      Status status = write(path, change.after, &created_directories);
      if (!status.ok()) {
        for (const fs::path* written : done) (void)write(*written, changes_.at(*written).before, nullptr);
        (void)write(path, change.before, nullptr);
        for (auto it = created_directories.rbegin(); it != created_directories.rend(); ++it) ::rmdir(it->c_str());
        return status.with_context("patch not applied (changes rolled back)");
      }
      done.push_back(&path);
    }
    return {};
  }

 private:
  Status load(const fs::path& path) {
    if (changes_.contains(path)) return {};
    FileChange change;
    std::error_code error;
    if (fs::exists(path, error)) {
      change.before = TRY(read_file_bytes(path));
    }
    change.after = change.before;
    changes_.emplace(path, std::move(change));
    order_.push_back(path);
    return {};
  }

  static Status write(const fs::path& path, const std::optional<std::string>& contents,
                      std::vector<fs::path>* created_directories) {
    if (!contents) {
      std::error_code error;
      fs::remove(path, error);
      if (error) return permission_denied("cannot delete ", path.string(), ": ", error.message());
      return {};
    }
    TRY(create_parent_directories(path, created_directories));
    return write_file_bytes(path, *contents);
  }

  const Workspace& workspace_;
  std::map<fs::path, FileChange> changes_;
  std::vector<fs::path> order_;
};

}  // namespace

Result<PatchSummary> apply_patch(const Patch& patch, const Workspace& workspace) {
  Staging staging(workspace);
  PatchSummary summary;
  for (const PatchOp& op : patch.ops) {
    const fs::path path = TRY(staging.resolve(op.path));
    const std::string shown = workspace.display(path);
    switch (op.kind) {
      case PatchOpKind::kAdd:
        // As in Codex, adding a file that exists replaces it.
        TRY(staging.set(path, op.contents));
        summary.added.push_back(shown);
        break;
      case PatchOpKind::kDelete: {
        if (!TRY(staging.current(path))) return not_found("cannot delete ", op.path, ": no such file");
        TRY(staging.set(path, std::nullopt));
        summary.deleted.push_back(shown);
        break;
      }
      case PatchOpKind::kUpdate: {
        const std::optional<std::string> original = TRY(staging.current(path));
        if (!original) return not_found("cannot update ", op.path, ": no such file");
        std::string updated = TRY(apply_chunks(*original, op.chunks, op.path));
        if (op.move_to.empty()) {
          TRY(staging.set(path, std::move(updated)));
          summary.modified.push_back(shown);
        } else {
          const fs::path destination = TRY(staging.resolve(op.move_to));
          TRY(staging.set(path, std::nullopt));
          TRY(staging.set(destination, std::move(updated)));
          summary.modified.push_back(workspace.display(destination));
        }
        break;
      }
    }
  }
  TRY(staging.commit());
  return summary;
}

}  // namespace loom::agent
