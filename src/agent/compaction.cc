// Picking what to fold, the summarization request, and the new conversation.
#include "agent/compaction.h"

namespace loom::agent {
namespace {

constexpr std::string_view kSummarizeInstructions =
    "You are summarizing a coding agent's session so that it can continue in a smaller context. "
    "Write a concise summary that keeps: the task, what has been done and found so far (files "
    "read or changed, commands run and their outcomes, errors met), decisions taken, and what "
    "remains to be done. Do not call tools. Answer with the summary only.";

std::string clipped(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  const size_t half = max_bytes / 2;
  return str_cat(text.substr(0, half), "\n[... ", text.size() - 2 * half, " bytes omitted ...]\n",
                 text.substr(text.size() - half));
}

std::string render_for_summary(const std::vector<Item>& items, size_t begin, size_t end, size_t max_item_bytes) {
  std::string text;
  for (size_t index = begin; index < end; ++index) {
    const Item& item = items[index];
    switch (item.kind) {
      case ItemKind::kSystem:
      case ItemKind::kUser: text += str_cat("USER: ", clipped(item.text, max_item_bytes), "\n"); break;
      case ItemKind::kAssistant:
        if (!item.text.empty()) text += str_cat("ASSISTANT: ", clipped(item.text, max_item_bytes), "\n");
        for (const ModelToolCall& call : item.tool_calls)
          text += str_cat("TOOL CALL ", call.name, ": ", clipped(call.arguments, max_item_bytes), "\n");
        break;
      case ItemKind::kToolResult:
        text += str_cat("TOOL RESULT (", item.tool_name, item.is_error ? ", failed" : "", "): ",
                        clipped(item.text, max_item_bytes), "\n");
        break;
    }
  }
  return text;
}

}  // namespace

bool needs_compaction(const std::vector<Item>& items, int64_t tool_tokens, const CompactionOptions& options) {
  if (options.context_tokens <= 0) return false;
  return static_cast<double>(estimate_tokens(items) + tool_tokens) >
         options.threshold * static_cast<double>(options.context_tokens);
}

Result<Compacted> compact(ModelBackend& backend, const std::vector<Item>& items, const std::string& plan,
                          const CompactionOptions& options) {
  Compacted result{.items = items};
  // Kept at the head: the system prompt and the task (the first user item).
  size_t head = 0;
  while (head < items.size() && items[head].kind == ItemKind::kSystem) ++head;
  if (head < items.size() && items[head].kind == ItemKind::kUser) ++head;
  // Kept at the tail: the last turns, starting at an assistant item so every
  // kept tool result still follows the call it answers.
  size_t tail = items.size();
  size_t turns_kept = 0;
  while (tail > head && turns_kept < options.keep_recent_turns) {
    --tail;
    if (items[tail].kind == ItemKind::kAssistant) ++turns_kept;
  }
  while (tail > head && items[tail].kind != ItemKind::kAssistant && items[tail].kind != ItemKind::kUser) --tail;
  // Nothing old enough to fold, or only an earlier summary: folding that
  // alone again would summarize a summary every turn.
  bool has_turn = false;
  for (size_t index = head; index < tail; ++index) has_turn = has_turn || items[index].kind == ItemKind::kAssistant;
  if (tail <= head || !has_turn) return result;

  const std::string task = head > 0 ? items[head - 1].text : std::string();
  ModelRequest request{.purpose = RequestPurpose::kSummarize};
  request.items.push_back(Item::system(std::string(kSummarizeInstructions)));
  request.items.push_back(Item::user(str_cat("The task:\n", task, "\n\nThe session so far:\n",
                                             render_for_summary(items, head, tail, options.max_item_bytes),
                                             "\nWrite the summary now.")));
  ModelTurn turn = TRY(backend.complete(request));
  if (turn.content.empty()) return internal_error("the model returned an empty summary");

  result.summary = turn.content;
  result.usage = turn.usage;
  result.replaced = tail - head;
  result.items.assign(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(head));
  std::string summary_text = str_cat(kSummaryHeader, "\n", turn.content);
  if (!plan.empty()) summary_text += str_cat("\n\nThe current plan:\n", plan);
  result.items.push_back(Item::user(std::move(summary_text)));
  result.items.insert(result.items.end(), items.begin() + static_cast<std::ptrdiff_t>(tail), items.end());
  return result;
}

}  // namespace loom::agent
