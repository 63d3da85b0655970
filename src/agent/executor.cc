// Dependency graph over a turn's calls and a small worker pool that drains it.
#include "agent/executor.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

namespace loom::agent {

namespace fs = std::filesystem;

namespace {

// True when one path is the other or lies beneath it.
bool overlaps(const fs::path& a, const fs::path& b) {
  auto a_it = a.begin();
  auto b_it = b.begin();
  for (; a_it != a.end() && b_it != b.end(); ++a_it, ++b_it) {
    if (a_it->empty() || b_it->empty()) break;  // trailing '/' of a directory path
    if (*a_it != *b_it) return false;
  }
  return true;
}

bool any_overlap(const std::vector<fs::path>& first, const std::vector<fs::path>& second) {
  for (const fs::path& a : first)
    for (const fs::path& b : second)
      if (overlaps(a, b)) return true;
  return false;
}

}  // namespace

bool calls_conflict(const ToolAccess& earlier, const ToolAccess& later) {
  if (earlier.exclusive || later.exclusive) return true;
  if (any_overlap(earlier.writes, later.writes) || any_overlap(earlier.writes, later.reads) ||
      any_overlap(earlier.reads, later.writes))
    return true;
  for (const std::string& state : earlier.session_writes)
    if (std::find(later.session_writes.begin(), later.session_writes.end(), state) != later.session_writes.end())
      return true;
  return false;
}

std::vector<Result<ToolOutput>> Executor::run_turn(const std::vector<ToolCall>& calls) {
  const size_t count = calls.size();
  std::vector<const Tool*> tools(count);
  std::vector<ToolAccess> accesses(count);
  for (size_t call = 0; call < count; ++call) {
    tools[call] = registry_.find(calls[call].name);
    if (tools[call] != nullptr) accesses[call] = tools[call]->access(calls[call], context_);
  }
  // waiting_on[c]: how many earlier conflicting calls have not finished;
  // dependents[c]: the later calls that wait for c.
  std::vector<int> waiting_on(count, 0);
  std::vector<std::vector<size_t>> dependents(count);
  for (size_t later = 0; later < count; ++later)
    for (size_t earlier = 0; earlier < later; ++earlier)
      if (tools[earlier] != nullptr && tools[later] != nullptr && calls_conflict(accesses[earlier], accesses[later])) {
        ++waiting_on[later];
        dependents[earlier].push_back(later);
      }

  std::vector<std::optional<Result<ToolOutput>>> results(count);
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<size_t> ready;
  size_t finished = 0;
  for (size_t call = 0; call < count; ++call)
    if (waiting_on[call] == 0) ready.push_back(call);

  auto worker = [&] {
    std::unique_lock lock(mutex);
    while (true) {
      changed.wait(lock, [&] { return !ready.empty() || finished == count; });
      if (ready.empty()) return;
      const size_t call = ready.front();
      ready.pop_front();
      lock.unlock();
      Result<ToolOutput> result =
          tools[call] == nullptr
              ? Result<ToolOutput>(ToolOutput::failure(str_cat("unknown tool '", calls[call].name, "'")))
              : tools[call]->run(calls[call], context_);
      lock.lock();
      results[call].emplace(std::move(result));
      ++finished;
      for (size_t dependent : dependents[call])
        if (--waiting_on[dependent] == 0) ready.push_back(dependent);
      changed.notify_all();
    }
  };
  const size_t n_workers = std::min<size_t>(count, static_cast<size_t>(std::max(1, options_.max_parallel)));
  std::vector<std::thread> workers;
  for (size_t index = 1; index < n_workers; ++index) workers.emplace_back(worker);
  if (count > 0) worker();  // the calling thread works too
  for (std::thread& thread : workers) thread.join();

  std::vector<Result<ToolOutput>> ordered;
  ordered.reserve(count);
  for (auto& result : results) ordered.push_back(std::move(*result));
  return ordered;
}

}  // namespace loom::agent
