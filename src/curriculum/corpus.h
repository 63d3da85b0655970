// The training corpus: curriculum tasks rendered as agent conversations, one
// JSON line each: {"segments": [{"text": ..., "train": false}, ...]}, the
// format `loom train` reads (loss on train:true segments only).
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>

#include "base/status.h"
#include "curriculum/random.h"
#include "curriculum/task.h"
#include "server/serving_model.h"
#include "text/bpe_trainer.h"
#include "text/tokenizer.h"

namespace loom::curriculum {

// The added tokens, eos/pad and chat template of loom's agent vocabulary.
text::BpeTrainerOptions agent_tokenizer_options(int32_t vocab_size);

// A tokenizer with only the byte tokens and the added tokens, carrying loom's
// chat template: enough for ServingModel to render prompts before the real
// vocabulary has been trained (rendering does not depend on merges).
Result<std::unique_ptr<text::Tokenizer>> rendering_tokenizer();

struct CorpusOptions {
  int64_t tasks = 1000;
  uint64_t seed = 1;
  // Short prompts: the system turn keeps only its "Reasoning effort:" line
  // (no agent instructions, no tool schemas). The same tasks in a quarter of
  // the tokens, so most of each line is trained on: mixed with full-prompt
  // lines, they teach the copying the answers need several times faster
  // (docs/bundled-model.md). Inference always uses the full prompt.
  bool short_prompts = false;
  // The mix of questions (TaskOptions::weights): training data can ask one
  // kind more often than the evaluation does.
  TaskOptions task;
};

struct CorpusStats {
  int64_t conversations = 0;
  int64_t bytes = 0;
  int64_t train_bytes = 0;
};

// Writes `options.tasks` JSON lines. `model` renders the prompts (any
// ServingModel whose tokenizer carries loom's chat template).
Result<CorpusStats> write_corpus(const CorpusOptions& options, const server::ServingModel& model, std::ostream& out);

// The first segment's system turn cut down to its "Reasoning effort: ..."
// line (removed when it has none); see CorpusOptions::short_prompts.
std::string shorten_system_turn(std::string_view prompt);

// The workspace path a conversation's system prompt names: varied, so that a
// model does not tie its behaviour to one path.
std::string random_workspace_root(Rng& rng);

}  // namespace loom::curriculum
