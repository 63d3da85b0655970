// Terminal rendering of loop events.
#include "agent/console_observer.h"

#include <unistd.h>

#include <algorithm>

namespace loom::agent {
namespace {

std::string one_line(std::string_view text, size_t max_bytes) {
  std::string line(text.substr(0, text.find('\n')));
  if (line.size() > max_bytes) line = line.substr(0, max_bytes) + "...";
  return line;
}

}  // namespace

std::string summarize_call(const ModelToolCall& call) {
  if (call.freeform || call.name == "apply_patch") {
    // The files a patch touches, from its "*** ... File:" lines.
    std::string input = call.arguments;
    if (!call.freeform) {
      const auto json = nlohmann::json::parse(call.arguments, nullptr, false);
      if (!json.is_discarded() && json.is_object() && json.contains("input") && json["input"].is_string())
        input = json["input"].get<std::string>();
    }
    std::string files;
    size_t position = 0;
    while ((position = input.find("*** ", position)) != std::string::npos) {
      const size_t end = input.find('\n', position);
      const std::string line = input.substr(position + 4, end == std::string::npos ? std::string::npos : end - position - 4);
      if (line.find("File: ") != std::string::npos) files += (files.empty() ? "" : ", ") + line;
      position = end == std::string::npos ? input.size() : end;
    }
    return str_cat(call.name, ": ", files.empty() ? one_line(input, 80) : files);
  }
  const auto arguments = nlohmann::json::parse(call.arguments, nullptr, false);
  if (arguments.is_discarded() || !arguments.is_object())
    return str_cat(call.name, ": (malformed arguments) ", one_line(call.arguments, 60));
  auto field = [&](const char* key) {
    return arguments.contains(key) && arguments[key].is_string() ? arguments[key].get<std::string>() : std::string();
  };
  if (call.name == "shell") return str_cat("shell: ", one_line(field("command"), 100));
  if (call.name == "read_file") {
    std::string range;
    if (arguments.contains("start_line")) range = str_cat(":", arguments["start_line"].dump(), "-",
                                                          arguments.value("end_line", nlohmann::json("")).dump());
    return str_cat("read_file: ", field("path"), range);
  }
  if (call.name == "search") return str_cat("search: /", field("pattern"), "/ ", field("path"));
  if (call.name == "write_file" || call.name == "list_dir") return str_cat(call.name, ": ", field("path"));
  return str_cat(call.name, ": ", one_line(call.arguments, 80));
}

std::string summarize_output(const ToolOutput& output) {
  const size_t lines = static_cast<size_t>(std::count(output.text.begin(), output.text.end(), '\n')) +
                       (output.text.empty() || output.text.back() == '\n' ? 0 : 1);
  const char* status = output.sandbox_denied ? "denied" : output.is_error ? "error" : "ok";
  return str_cat(status, ", ", lines, lines == 1 ? " line" : " lines", ": ", one_line(output.text, 100));
}

ConsoleObserver::ConsoleObserver(std::FILE* out) : out_(out), color_(::isatty(::fileno(out)) != 0) {}

std::string ConsoleObserver::style(const char* code, const std::string& text) const {
  return color_ ? str_cat("\x1b[", code, "m", text, "\x1b[0m") : text;
}

void ConsoleObserver::on_reasoning(const std::string& text) {
  std::lock_guard lock(mutex_);
  std::fprintf(out_, "%s\n", style("2", text).c_str());  // dim
}

void ConsoleObserver::on_content(const std::string& text) {
  std::lock_guard lock(mutex_);
  std::fprintf(out_, "%s\n", text.c_str());
}

void ConsoleObserver::on_delta(const TurnDelta& delta) {
  if (delta.text.empty()) return;
  std::lock_guard lock(mutex_);
  // Reasoning and content of one turn on separate lines.
  if (line_open_ && delta.kind != streaming_kind_) std::fputc('\n', out_);
  streaming_kind_ = delta.kind;
  const std::string& text = delta.text;
  std::fputs((delta.kind == TurnDelta::Kind::kReasoning ? style("2", text) : text).c_str(), out_);
  line_open_ = text.back() != '\n';
  std::fflush(out_);
}

void ConsoleObserver::on_stream_end() {
  std::lock_guard lock(mutex_);
  if (line_open_) std::fputc('\n', out_);
  line_open_ = false;
  std::fflush(out_);
}

void ConsoleObserver::on_tool_call(const ModelToolCall& call) {
  std::lock_guard lock(mutex_);
  std::fprintf(out_, "%s %s\n", style("36", "▸").c_str(), summarize_call(call).c_str());
}

void ConsoleObserver::on_tool_result(const ModelToolCall& call, const ToolOutput& output, double seconds) {
  std::lock_guard lock(mutex_);
  const char* colour = output.is_error ? "31" : "32";
  std::fprintf(out_, "  %s %s (%.2fs)\n", style(colour, call.name).c_str(), summarize_output(output).c_str(), seconds);
}

void ConsoleObserver::on_compaction(int64_t tokens_before, int64_t tokens_after) {
  std::lock_guard lock(mutex_);
  std::fprintf(out_, "%s\n", style("33", str_cat("compacted the conversation: ~", tokens_before, " -> ~",
                                                 tokens_after, " tokens")).c_str());
}

void ConsoleObserver::on_notice(const std::string& text) {
  std::lock_guard lock(mutex_);
  std::fprintf(out_, "%s\n", style("33", text).c_str());
}

void ConsoleObserver::print_summary(const LoopResult& result, const std::string& transcript_path) {
  std::lock_guard lock(mutex_);
  std::fprintf(out_,
               "%s\n",
               style("1", str_cat("── ", stop_reason_name(result.reason), ": ", result.turns, " turns, ",
                                  result.tool_calls, " tool calls, ", result.compactions, " compactions, ",
                                  result.wall_seconds, " s")).c_str());
  std::fprintf(out_, "tokens: %lld in (%lld cached), %lld out (%lld reasoning); cost $%.4f\n",
               static_cast<long long>(result.usage.input_tokens),
               static_cast<long long>(result.usage.cached_input_tokens),
               static_cast<long long>(result.usage.output_tokens),
               static_cast<long long>(result.usage.reasoning_tokens), result.cost_usd);
  if (!transcript_path.empty()) std::fprintf(out_, "transcript: %s\n", transcript_path.c_str());
}

}  // namespace loom::agent
