// posix_spawn with pipes and a poll loop; see process.h for the contract.
#include "agent/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace loom::agent {

HeadTailBuffer::HeadTailBuffer(size_t cap) : head_cap_(cap / 2), tail_cap_(cap - cap / 2) {}

void HeadTailBuffer::append(std::string_view bytes) {
  total_ += bytes.size();
  if (head_.size() < head_cap_) {
    const size_t take = std::min(head_cap_ - head_.size(), bytes.size());
    head_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
  }
  if (tail_cap_ == 0) return;
  if (bytes.size() >= tail_cap_) {  // the new bytes alone fill the tail
    tail_.assign(bytes.substr(bytes.size() - tail_cap_));
    tail_start_ = 0;
    return;
  }
  for (char byte : bytes) {
    if (tail_.size() < tail_cap_) {
      tail_.push_back(byte);
    } else {
      tail_[tail_start_] = byte;
      tail_start_ = (tail_start_ + 1) % tail_cap_;
    }
  }
}

size_t HeadTailBuffer::omitted_bytes() const { return total_ - head_.size() - tail_.size(); }

std::string HeadTailBuffer::str() const {
  std::string tail = tail_.substr(tail_start_) + tail_.substr(0, tail_start_);
  const size_t omitted = omitted_bytes();
  if (omitted == 0) return head_ + tail;
  return str_cat(head_, "\n[... ", omitted, " bytes omitted ...]\n", tail);
}

namespace {

// A file descriptor that closes itself.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  UniqueFd read_end;
  UniqueFd write_end;
};

Result<Pipe> make_pipe() {
  int fds[2];
  // O_CLOEXEC: tools run in parallel, and a write end leaked into a sibling
  // child would keep our reader from ever seeing end-of-file.
  if (::pipe2(fds, O_CLOEXEC) != 0) return internal_error("pipe2: ", std::strerror(errno));
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// A started child that leads its own process group. Destroying it kills the
// group and reaps the child, so no exit path leaks a process.
class ChildProcess {
 public:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  ~ChildProcess() {
    if (pid_ > 0) {
      ::kill(-pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // True once the child has exited; it stays unreaped (a zombie) so its pid,
  // and with it the process group id, cannot be reused before we signal.
  bool exited() {
    if (exited_) return true;
    siginfo_t info{};
    if (::waitid(P_PID, pid_, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_)
      exited_ = true;
    return exited_;
  }
  void signal_group(int signal) { ::kill(-pid_, signal); }
  // Reaps the child; returns its wait status.
  int reap() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_;
  bool exited_ = false;
};

// argv and envp as the C arrays posix_spawn wants; the strings live here.
struct ExecPlan {
  std::vector<std::string> argv_storage;
  std::vector<std::string> env_storage;
  std::vector<char*> argv;
  std::vector<char*> envp;
};

// Spawns with posix_spawnp (vfork-like, so no user code runs between fork
// and exec in this multithreaded process): stdin from /dev/null, stdout and
// stderr to the pipes, a new session (hence process group, no controlling
// terminal), default signal handling and an empty signal mask.
Result<pid_t> spawn(const ProcessOptions& options, const ExecPlan& plan, int stdin_fd, int stdout_fd,
                    int stderr_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attributes);
  ::posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0);
  ::posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
  ::posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2);
  if (!options.working_directory.empty())
    ::posix_spawn_file_actions_addchdir_np(&actions, options.working_directory.c_str());
  sigset_t empty, all;
  sigemptyset(&empty);
  sigfillset(&all);
  ::posix_spawnattr_setsigmask(&attributes, &empty);
  ::posix_spawnattr_setsigdefault(&attributes, &all);
  ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  const int error = ::posix_spawnp(&pid, plan.argv[0], &actions, &attributes, plan.argv.data(), plan.envp.data());
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attributes);
  if (error != 0)
    return not_found("cannot start '", options.argv[0], "'",
                     options.working_directory.empty() ? "" : str_cat(" in ", options.working_directory), ": ",
                     std::strerror(error));
  return pid;
}

ExecPlan make_exec_plan(const ProcessOptions& options) {
  ExecPlan plan;
  plan.argv_storage = options.argv;
  for (auto& arg : plan.argv_storage) plan.argv.push_back(arg.data());
  plan.argv.push_back(nullptr);
  if (options.environment) {
    for (const auto& [key, value] : *options.environment) plan.env_storage.push_back(key + "=" + value);
    for (auto& entry : plan.env_storage) plan.envp.push_back(entry.data());
  } else {
    for (char** entry = environ; *entry != nullptr; ++entry) plan.envp.push_back(*entry);
  }
  plan.envp.push_back(nullptr);
  return plan;
}

}  // namespace

std::map<std::string, std::string> current_environment() {
  std::map<std::string, std::string> result;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    const size_t equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    result.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return result;
}

Result<ProcessResult> run_process(const ProcessOptions& options) {
  if (options.argv.empty()) return invalid_argument("run_process: empty argv");
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const ExecPlan plan = make_exec_plan(options);
  UniqueFd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!dev_null.valid()) return internal_error("open /dev/null: ", std::strerror(errno));
  Pipe out = TRY(make_pipe());
  Pipe err = TRY(make_pipe());
  ChildProcess child(TRY(spawn(options, plan, dev_null.get(), out.write_end.get(), err.write_end.get())));
  out.write_end.reset();
  err.write_end.reset();

  HeadTailBuffer stdout_buffer(options.output_cap);
  HeadTailBuffer stderr_buffer(options.output_cap);
  HeadTailBuffer combined(options.output_cap);
  UniqueFd* streams[2] = {&out.read_end, &err.read_end};
  HeadTailBuffer* buffers[2] = {&stdout_buffer, &stderr_buffer};

  ProcessResult result;
  const auto deadline = start + options.timeout;
  constexpr Clock::time_point kNever = Clock::time_point::max();
  Clock::time_point kill_at = kNever;      // SIGKILL time after SIGTERM
  Clock::time_point drain_until = kNever;  // after exit, how long to wait for EOF
  bool exited = false;
  char chunk[16384];
  while (true) {
    const bool any_open = streams[0]->valid() || streams[1]->valid();
    if (exited && (!any_open || Clock::now() >= drain_until)) break;
    pollfd fds[2];
    int n_fds = 0;
    int fd_stream[2];
    for (int stream = 0; stream < 2; ++stream) {
      if (!streams[stream]->valid()) continue;
      fds[n_fds] = {streams[stream]->get(), POLLIN, 0};
      fd_stream[n_fds++] = stream;
    }
    // Poll in short ticks so exit, timeout and grace are noticed promptly.
    const int ready = ::poll(fds, n_fds, 10);
    if (ready < 0 && errno != EINTR) return internal_error("poll: ", std::strerror(errno));
    for (int index = 0; ready > 0 && index < n_fds; ++index) {
      if (fds[index].revents == 0) continue;
      const int stream = fd_stream[index];
      const ssize_t count = ::read(streams[stream]->get(), chunk, sizeof(chunk));
      if (count > 0) {
        buffers[stream]->append({chunk, static_cast<size_t>(count)});
        combined.append({chunk, static_cast<size_t>(count)});
      } else if (count == 0 || (errno != EINTR && errno != EAGAIN)) {
        streams[stream]->reset();
      }
    }
    const auto now = Clock::now();
    if (!exited && child.exited()) {
      exited = true;
      // Kill what the command left behind (a `cmd &` holding our pipes), then
      // give the pipes a moment to deliver what is already written.
      child.signal_group(SIGKILL);
      drain_until = now + std::chrono::milliseconds(200);
      continue;
    }
    if (!exited && !result.timed_out && now >= deadline) {
      result.timed_out = true;
      child.signal_group(SIGTERM);
      kill_at = now + options.kill_grace;
    }
    if (now >= kill_at) {
      child.signal_group(SIGKILL);
      kill_at = kNever;
    }
  }

  const int status = child.reap();
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  result.stdout_text = stdout_buffer.str();
  result.stderr_text = stderr_buffer.str();
  result.combined = combined.str();
  result.omitted_bytes = combined.omitted_bytes();
  result.wall_time = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return result;
}

}  // namespace loom::agent
