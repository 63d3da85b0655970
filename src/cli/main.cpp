// loom: entry point. Parses the command line and dispatches to a subcommand.
#include <cstdio>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"loom: a self-hosted, agent-first LLM runtime"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "loom 0.1.0");
  loom::cli::ExitCode exit_code;
  loom::cli::add_info_command(app, exit_code);
  loom::cli::add_run_command(app, exit_code);
  loom::cli::add_eval_command(app, exit_code);
  loom::cli::add_make_test_model_command(app, exit_code);
  loom::cli::add_tokenize_commands(app, exit_code);
  loom::cli::add_template_command(app, exit_code);
  loom::cli::add_serve_command(app, exit_code);
  loom::cli::add_agent_command(app, exit_code);
  loom::cli::add_perf_command(app, exit_code);
  loom::cli::add_train_tokenizer_command(app, exit_code);
  loom::cli::add_make_corpus_command(app, exit_code);
  loom::cli::add_eval_agent_command(app, exit_code);
  loom::cli::add_train_command(app, exit_code);
  loom::cli::add_perf_engine_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help and --version are reported as "errors" with code 0; every real
    // usage error exits with 2.
    const int code = app.exit(error);
    return code == 0 ? 0 : 2;
  }
  return exit_code.value;
}
