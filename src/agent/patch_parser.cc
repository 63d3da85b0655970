// Line-oriented parser for the apply_patch format.
#include "agent/patch_parser.h"

#include <span>

namespace loom::agent {

namespace {

constexpr std::string_view kBeginPatch = "*** Begin Patch";
constexpr std::string_view kEndPatch = "*** End Patch";
constexpr std::string_view kAddFile = "*** Add File: ";
constexpr std::string_view kDeleteFile = "*** Delete File: ";
constexpr std::string_view kUpdateFile = "*** Update File: ";
constexpr std::string_view kMoveTo = "*** Move to: ";
constexpr std::string_view kEndOfFile = "*** End of File";

std::string_view trim(std::string_view text) {
  const char* kSpace = " \t\r\n\v\f";
  const size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(kSpace) - begin + 1);
}

// Splits on '\n', dropping a '\r' before it (patches written on Windows).
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
  return lines;
}

using Lines = std::span<const std::string_view>;

// line_number: 1-based line of lines[0] in the patch, for messages.
Status parse_error(size_t line_number, std::string_view message) {
  return invalid_argument("invalid patch at line ", line_number, ": ", message);
}

bool is_chunk_line(std::string_view line) {
  return line.empty() || line[0] == ' ' || line[0] == '+' || line[0] == '-';
}

// Parses one chunk starting at lines[0]; returns the number of lines used.
Result<size_t> parse_chunk(Lines lines, size_t line_number, bool first_chunk, PatchChunk& chunk) {
  size_t index = 0;
  while (index < lines.size() && (lines[index] == "@@" || lines[index].starts_with("@@ "))) {
    if (lines[index].size() > 3) chunk.contexts.emplace_back(lines[index].substr(3));
    ++index;
  }
  if (index == 0 && !first_chunk)
    return parse_error(line_number, str_cat("expected an '@@' hunk header, got '", lines[0], "'"));
  size_t changes = 0;
  for (; index < lines.size(); ++index) {
    const std::string_view line = lines[index];
    if (trim(line) == kEndOfFile) {
      if (changes == 0) return parse_error(line_number + index, "'*** End of File' in a hunk without lines");
      chunk.end_of_file = true;
      ++index;
      break;
    }
    if (!is_chunk_line(line)) {
      if (changes == 0)
        return parse_error(line_number + index,
                           str_cat("unexpected line in update hunk: '", line,
                                   "'; every line must start with ' ' (context), '+' (added) or '-' (removed)"));
      break;  // the next hunk or file operation
    }
    const std::string text(line.empty() ? std::string_view() : line.substr(1));
    if (line.empty() || line[0] == ' ') {
      chunk.old_lines.push_back(text);
      chunk.new_lines.push_back(text);
    } else if (line[0] == '-') {
      chunk.old_lines.push_back(text);
    } else {
      chunk.new_lines.push_back(text);
    }
    ++changes;
  }
  if (changes == 0) return parse_error(line_number, "update hunk has no lines");
  return index;
}

Result<size_t> parse_update(Lines lines, size_t line_number, PatchOp& op) {
  size_t index = 1;
  if (index < lines.size() && trim(lines[index]).starts_with(kMoveTo)) {
    op.move_to = std::string(trim(trim(lines[index]).substr(kMoveTo.size())));
    if (op.move_to.empty()) return parse_error(line_number + index, "'*** Move to:' without a path");
    ++index;
  }
  while (index < lines.size()) {
    if (trim(lines[index]).empty()) {  // blank lines between hunks
      ++index;
      continue;
    }
    if (lines[index].starts_with("*")) break;
    PatchChunk chunk;
    const size_t used = TRY(parse_chunk(lines.subspan(index), line_number + index, op.chunks.empty(), chunk));
    op.chunks.push_back(std::move(chunk));
    index += used;
  }
  if (op.chunks.empty()) return parse_error(line_number, str_cat("update of '", op.path, "' has no hunks"));
  return index;
}

// Parses one file operation at lines[0]; returns the number of lines used.
Result<size_t> parse_operation(Lines lines, size_t line_number, PatchOp& op) {
  const std::string_view header = trim(lines[0]);
  auto path_after = [&](std::string_view marker) { return std::string(trim(header.substr(marker.size()))); };
  if (header.starts_with(kAddFile)) {
    op.kind = PatchOpKind::kAdd;
    op.path = path_after(kAddFile);
    size_t index = 1;
    for (; index < lines.size() && lines[index].starts_with("+"); ++index) {
      op.contents.append(lines[index].substr(1));
      op.contents.push_back('\n');
    }
    if (op.path.empty()) return parse_error(line_number, "'*** Add File:' without a path");
    return index;
  }
  if (header.starts_with(kDeleteFile)) {
    op.kind = PatchOpKind::kDelete;
    op.path = path_after(kDeleteFile);
    if (op.path.empty()) return parse_error(line_number, "'*** Delete File:' without a path");
    return size_t{1};
  }
  if (header.starts_with(kUpdateFile)) {
    op.kind = PatchOpKind::kUpdate;
    op.path = path_after(kUpdateFile);
    if (op.path.empty()) return parse_error(line_number, "'*** Update File:' without a path");
    return parse_update(lines, line_number, op);
  }
  return parse_error(line_number,
                     str_cat("'", header,
                             "' is not a valid file operation; expected '*** Add File: <path>', "
                             "'*** Delete File: <path>' or '*** Update File: <path>'"));
}

}  // namespace

Result<Patch> parse_patch(std::string_view text) {
  std::vector<std::string_view> lines = split_lines(trim(text));
  size_t first_line_number = 1;
  // A heredoc wrapper, as some models write the patch for a shell.
  if (lines.size() >= 4) {
    const std::string_view first = trim(lines.front());
    if ((first == "<<EOF" || first == "<<'EOF'" || first == "<<\"EOF\"") && trim(lines.back()).ends_with("EOF")) {
      lines = std::vector<std::string_view>(lines.begin() + 1, lines.end() - 1);
      first_line_number = 2;
    }
  }
  if (lines.empty() || trim(lines.front()) != kBeginPatch)
    return invalid_argument("invalid patch: the first line must be '*** Begin Patch'");
  if (lines.size() < 2 || trim(lines.back()) != kEndPatch)
    return invalid_argument("invalid patch: the last line must be '*** End Patch'");

  Patch patch;
  Lines body = Lines(lines).subspan(1, lines.size() - 2);
  size_t index = 0;
  while (index < body.size()) {
    if (trim(body[index]).empty()) {
      ++index;
      continue;
    }
    PatchOp op;
    index += TRY(parse_operation(body.subspan(index), first_line_number + 1 + index, op));
    patch.ops.push_back(std::move(op));
  }
  if (patch.ops.empty()) return invalid_argument("invalid patch: no file operations between the markers");
  return patch;
}

std::vector<std::string> patch_paths(const Patch& patch) {
  std::vector<std::string> paths;
  for (const PatchOp& op : patch.ops) {
    paths.push_back(op.path);
    if (!op.move_to.empty()) paths.push_back(op.move_to);
  }
  return paths;
}

}  // namespace loom::agent
