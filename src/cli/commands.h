// The subcommands of the loom command line, one file each. Each add_* function
// registers its subcommand on the app; the callback runs it and sets the exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace loom::cli {

// Exit codes: 0 success, 1 a runtime failure (bad file, bad model), 2 bad usage.
struct ExitCode {
  int value = 0;
};

void add_info_command(CLI::App& app, ExitCode& exit_code);
void add_run_command(CLI::App& app, ExitCode& exit_code);
void add_eval_command(CLI::App& app, ExitCode& exit_code);
void add_make_test_model_command(CLI::App& app, ExitCode& exit_code);
void add_tokenize_commands(CLI::App& app, ExitCode& exit_code);  // tokenize, detokenize
void add_template_command(CLI::App& app, ExitCode& exit_code);
void add_serve_command(CLI::App& app, ExitCode& exit_code);
void add_agent_command(CLI::App& app, ExitCode& exit_code);
void add_perf_command(CLI::App& app, ExitCode& exit_code);
void add_train_tokenizer_command(CLI::App& app, ExitCode& exit_code);
void add_make_corpus_command(CLI::App& app, ExitCode& exit_code);
void add_eval_agent_command(CLI::App& app, ExitCode& exit_code);
void add_train_command(CLI::App& app, ExitCode& exit_code);
void add_perf_engine_command(CLI::App& app, ExitCode& exit_code);

}  // namespace loom::cli
