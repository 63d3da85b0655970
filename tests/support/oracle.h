// Runs an oracle script (node, under tests/oracle/) and captures its stdout.
// Oracles are test dependencies only: node_modules comes from `npm ci`.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace loom::testing {

// The project root, for paths to tests/oracle/*.mjs and node_modules.
inline std::string source_dir() { return LOOM_SOURCE_DIR; }
// ../shared/fixtures relative to the project root.
inline std::string fixtures_dir() { return LOOM_FIXTURES_DIR; }

struct CommandOutput {
  int exit_code = -1;
  std::string out;  // stdout only; stderr passes through to the test log
};

// A path in the test temp directory that no other test process uses: ctest
// runs the tests of one binary as parallel processes, so a fixed name would
// be written and removed by two of them at once.
inline std::string unique_temp_path(const std::string& name) {
  return ::testing::TempDir() + "loom_" + std::to_string(::getpid()) + "_" + name;
}

// Runs `command` through /bin/sh from the project root.
inline CommandOutput run_command(const std::string& command) {
  CommandOutput result;
  const std::string full = "cd '" + source_dir() + "' && " + command;
  FILE* pipe = ::popen(full.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[1 << 16];
  size_t count;
  while ((count = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.out.append(buffer, count);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Runs `node tests/oracle/<script> <args>`.
inline CommandOutput run_oracle(const std::string& script, const std::string& args) {
  return run_command("node tests/oracle/" + script + " " + args);
}

}  // namespace loom::testing
