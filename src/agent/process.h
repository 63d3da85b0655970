// Child processes for the agent's tools: spawn with pipes, read stdout and
// stderr concurrently, cap the output (head + tail), enforce a timeout by
// signalling the whole process group. Generic; may later move to base/.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace loom::agent {

// Keeps the first and last `cap / 2` bytes of a stream and counts the rest, so
// a command that prints megabytes still shows how it started and how it ended.
class HeadTailBuffer {
 public:
  explicit HeadTailBuffer(size_t cap);

  void append(std::string_view bytes);
  size_t total_bytes() const { return total_; }
  size_t omitted_bytes() const;
  // head + "\n[... N bytes omitted ...]\n" + tail when over the cap, else all.
  std::string str() const;

 private:
  size_t head_cap_;
  size_t tail_cap_;
  size_t total_ = 0;
  std::string head_;
  std::string tail_;  // ring buffer of the last tail_cap_ bytes
  size_t tail_start_ = 0;  // index of the oldest byte once tail_ is full
};

struct ProcessOptions {
  std::vector<std::string> argv{};  // argv[0] is looked up in PATH
  std::string working_directory{};  // empty: inherit
  // Full environment ("KEY" -> value); nullopt inherits the parent's.
  std::optional<std::map<std::string, std::string>> environment{};
  std::chrono::milliseconds timeout{10'000};
  // After SIGTERM, how long the group gets before SIGKILL.
  std::chrono::milliseconds kill_grace{500};
  size_t output_cap = 64 * 1024;  // per stream, and for the interleaved view
};

struct ProcessResult {
  int exit_code = -1;   // -1 when killed by a signal
  int signal = 0;       // the terminating signal, 0 when it exited
  bool timed_out = false;
  std::string stdout_text;  // capped
  std::string stderr_text;  // capped
  std::string combined;     // stdout and stderr interleaved in arrival order, capped
  size_t omitted_bytes = 0;  // bytes dropped from `combined`
  std::chrono::milliseconds wall_time{0};
};

// Runs a process to completion. Errors (non-OK) mean the process could not be
// started (no such program, bad working directory); a non-zero exit, a signal
// or a timeout is a normal result. The child leads a new session and process
// group; when it exits or times out, any processes it left behind in that
// group are killed, so a tool call never leaks background jobs.
Result<ProcessResult> run_process(const ProcessOptions& options);

// The current process environment as a map.
std::map<std::string, std::string> current_environment();

}  // namespace loom::agent
