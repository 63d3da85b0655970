// Runs one loom subcommand in process, as main() does, capturing what it
// prints: its exit code, stdout and stderr, or the usage error the command
// line raised (CLI11 throws those before the command runs).
#pragma once

#include <gtest/gtest.h>

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "model/test_model.h"

namespace loom::cli::testing {

struct Outcome {
  int exit_code = 0;
  std::string out, err;
  std::string usage_error;  // empty when the line parsed
};

// stdin: what the command reads from std::cin.
inline Outcome run_command_line(void (*add_command)(CLI::App&, ExitCode&), std::vector<std::string> args,
                                const std::string& stdin_text = "") {
  std::istringstream input(stdin_text);
  std::streambuf* const saved_stdin = std::cin.rdbuf(input.rdbuf());
  CLI::App app;
  ExitCode exit_code;
  add_command(app, exit_code);
  args.insert(args.begin(), "loom");
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  Outcome outcome;
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& error) {
    outcome.usage_error = error.what();
  }
  std::cin.rdbuf(saved_stdin);
  outcome.exit_code = exit_code.value;
  outcome.out = ::testing::internal::GetCapturedStdout();
  outcome.err = ::testing::internal::GetCapturedStderr();
  return outcome;
}

// A tiny random-weight Llama model with its synthetic tokenizer, one file per
// test (ctest runs the tests of a binary in parallel).
inline std::string tiny_model() {
  const std::string path = ::testing::TempDir() + "cli_" +
                           ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name() + "_" +
                           ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".gguf";
  EXPECT_TRUE(model::write_test_model(model::TestModelOptions{}, path).ok());
  return path;
}

}  // namespace loom::cli::testing
