// `loom make-corpus`: writes curriculum tasks as agent conversations in the
// JSONL format `loom train` reads (see src/curriculum/corpus.h).
#include <cstdio>
#include <fstream>
#include <numeric>

#include "cli/checks.h"
#include "cli/commands.h"
#include "cli/engine_options.h"
#include "curriculum/corpus.h"

namespace loom::cli {
namespace {

struct MakeCorpusOptions {
  curriculum::CorpusOptions corpus;
  std::vector<std::string> question_weights;
  std::string out;
};

Status run_make_corpus(MakeCorpusOptions options) {
  curriculum::QuestionWeights& weights = options.corpus.task.weights;
  for (const std::string& assignment : options.question_weights) TRY(curriculum::set_question_weight(assignment, weights));
  if (std::accumulate(weights.begin(), weights.end(), 0) == 0) return invalid_argument("every question weight is 0");
  const std::unique_ptr<text::Tokenizer> tokenizer = TRY(curriculum::rendering_tokenizer());
  const server::ServingModel model = TRY(server::ServingModel::create(*tokenizer, {}));
  std::ofstream out(options.out, std::ios::binary);
  if (!out) return not_found("cannot create ", options.out);
  const curriculum::CorpusStats stats = TRY(curriculum::write_corpus(options.corpus, model, out));
  std::fprintf(stderr, "wrote %s: %lld conversations, %lld bytes (%lld trained on)\n", options.out.c_str(),
               static_cast<long long>(stats.conversations), static_cast<long long>(stats.bytes),
               static_cast<long long>(stats.train_bytes));
  return {};
}

}  // namespace

void add_make_corpus_command(CLI::App& app, ExitCode& exit_code) {
  auto options = std::make_shared<MakeCorpusOptions>();
  CLI::App* command = app.add_subcommand(
      "make-corpus", "Write generated agent tasks (workspace files, arithmetic; shell and calculator calls) as training JSONL");
  command->add_option("--tasks", options->corpus.tasks, "Number of conversations")->capture_default_str()
      ->check(kPositive);
  command->add_option("--seed", options->corpus.seed, "Random seed (use different seeds for training, validation, evaluation)")
      ->capture_default_str();
  command->add_flag("--short-prompts", options->corpus.short_prompts,
                    "System turn cut to its reasoning-effort line (no instructions or tool schemas): cheap lines that "
                    "teach the answers' copying; mix them with full-prompt lines (docs/bundled-model.md)");
  command->add_option("--question-weight", options->question_weights,
                      "KIND=WEIGHT: how often a kind of question is drawn (repeatable). Kinds and default weights: "
                      "line_count=20 word_count=15 find_value=20 list_files=10 count_files=8 read_note=7 arithmetic=20")
      ->type_name("KIND=WEIGHT");
  command->add_option("--out,-o", options->out, "Output .jsonl")->required();
  command->callback([options, &exit_code] {
    if (Status status = run_make_corpus(*options); !status.ok()) exit_code.value = report_error(status);
  });
}

}  // namespace loom::cli
