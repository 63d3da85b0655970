// Compaction: when the conversation approaches the context window, the older
// turns are replaced by a summary the model writes (a summarization request
// through the same backend). The system prompt, the task, the plan and the
// most recent turns with their tool results are kept verbatim.
#pragma once

#include <string>
#include <vector>

#include "agent/backend.h"
#include "agent/conversation.h"

namespace loom::agent {

struct CompactionOptions {
  int64_t context_tokens = 128'000;  // the model's context window
  double threshold = 0.75;           // compact above this fraction of it
  size_t keep_recent_turns = 2;      // assistant turns (with their results) kept verbatim
  size_t max_item_bytes = 4000;      // per item, in the text sent to be summarized
};

// Marks the summary item, so a later compaction folds it in again.
inline constexpr std::string_view kSummaryHeader = "[Summary of the earlier part of this session]";

// Estimated tokens of the conversation plus the tool declarations.
bool needs_compaction(const std::vector<Item>& items, int64_t tool_tokens, const CompactionOptions& options);

struct Compacted {
  std::vector<Item> items{};  // the new conversation
  std::string summary{};
  size_t replaced = 0;        // items folded into the summary
  Usage usage{};              // of the summarization call
};

// `items` starts with the system prompt and the task. Returns the items
// unchanged (replaced == 0) when there is nothing old enough to fold.
Result<Compacted> compact(ModelBackend& backend, const std::vector<Item>& items, const std::string& plan,
                          const CompactionOptions& options);

}  // namespace loom::agent
