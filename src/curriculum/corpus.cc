// Corpus generation (see corpus.h).
#include "curriculum/corpus.h"

#include <nlohmann/json.hpp>

#include "chat/loom_template.h"
#include "curriculum/conversation.h"
#include "curriculum/task.h"

namespace loom::curriculum {

text::BpeTrainerOptions agent_tokenizer_options(int32_t vocab_size) {
  text::BpeTrainerOptions options;
  options.vocab_size = vocab_size;
  options.added_tokens = text::qwen3_chat_tokens();
  options.eos_token = "<|im_end|>";
  options.pad_token = "<|endoftext|>";
  options.chat_template = std::string(chat::loom_chat_template());
  return options;
}

Result<std::unique_ptr<text::Tokenizer>> rendering_tokenizer() {
  const text::BpeTrainerOptions options = agent_tokenizer_options(256 + static_cast<int32_t>(text::qwen3_chat_tokens().size()));
  text::TokenizerSpec spec = TRY(text::train_byte_level_bpe({}, options));
  return text::Tokenizer::from_spec(std::move(spec));
}

std::string random_workspace_root(Rng& rng) {
  static const std::vector<std::string> kUsers = {"alice", "bob", "dev", "user", "sam", "kim"};
  static const std::vector<std::string> kProjects = {"project", "work", "files", "demo", "notes", "data", "repo"};
  switch (rng.below(4)) {
    case 0: return str_cat("/tmp/loom-eval-", rng.between(1000, 99999), "/task-", rng.between(0, 999));
    case 1: return str_cat("/home/", rng.pick(kUsers), "/", rng.pick(kProjects));
    case 2: return str_cat("/tmp/", rng.pick(kProjects), "-", rng.between(1, 9999));
    default: return str_cat("/work/", rng.pick(kProjects), "/build/demo-workspace");
  }
}

std::string shorten_system_turn(std::string_view prompt) {
  constexpr std::string_view kStart = "<|im_start|>system\n";
  constexpr std::string_view kEnd = "<|im_end|>\n";
  constexpr std::string_view kEffort = "Reasoning effort: ";
  if (!prompt.starts_with(kStart)) return std::string(prompt);
  const size_t end = prompt.find(kEnd);
  if (end == std::string_view::npos) return std::string(prompt);
  const std::string_view system = prompt.substr(kStart.size(), end - kStart.size());
  const std::string_view rest = prompt.substr(end + kEnd.size());
  const size_t effort = system.rfind(kEffort);
  if (effort == std::string_view::npos || (effort > 0 && system[effort - 1] != '\n')) return std::string(rest);
  return str_cat(kStart, system.substr(effort), kEnd, rest);
}

Result<CorpusStats> write_corpus(const CorpusOptions& options, const server::ServingModel& model, std::ostream& out) {
  const std::unique_ptr<AgentSetup> setup = TRY(make_agent_setup());
  Rng rng(options.seed);
  CorpusStats stats;
  for (int64_t index = 0; index < options.tasks; ++index) {
    const Task task = generate_task(rng, options.task);
    const AgentConversation conversation = task_conversation(task, random_workspace_root(rng), rng);
    std::vector<TextSegment> segments = TRY(conversation_segments(model, *setup, conversation));
    if (options.short_prompts && !segments.empty()) segments.front().text = shorten_system_turn(segments.front().text);
    nlohmann::json line = {{"segments", nlohmann::json::array()}};
    for (const TextSegment& segment : segments) {
      line["segments"].push_back({{"text", segment.text}, {"train", segment.train}});
      stats.bytes += static_cast<int64_t>(segment.text.size());
      if (segment.train) stats.train_bytes += static_cast<int64_t>(segment.text.size());
    }
    out << line.dump() << '\n';
    ++stats.conversations;
  }
  if (!out) return internal_error("writing the corpus failed");
  return stats;
}

}  // namespace loom::curriculum
