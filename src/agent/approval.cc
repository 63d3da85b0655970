// Approval policies and the known-safe command list used by `untrusted`.
#include "agent/approval.h"

#include <algorithm>
#include <array>
#include <optional>

namespace loom::agent {

std::string_view approval_policy_name(ApprovalPolicy policy) {
  switch (policy) {
    case ApprovalPolicy::kNever: return "never";
    case ApprovalPolicy::kOnRequest: return "on-request";
    case ApprovalPolicy::kUntrusted: return "untrusted";
  }
  return "unknown";
}

Result<ApprovalPolicy> parse_approval_policy(std::string_view name) {
  for (ApprovalPolicy policy : {ApprovalPolicy::kNever, ApprovalPolicy::kOnRequest, ApprovalPolicy::kUntrusted})
    if (name == approval_policy_name(policy)) return policy;
  return invalid_argument("unknown approval policy '", name, "' (expected never, on-request or untrusted)");
}

ApprovalDecision ScriptedApprover::decide(const ApprovalRequest& request) {
  std::lock_guard lock(mutex_);
  requests_.push_back(request);
  if (decisions_.empty()) return ApprovalDecision::kDenied;
  const ApprovalDecision decision = decisions_.front();
  decisions_.pop_front();
  return decision;
}

std::vector<ApprovalRequest> ScriptedApprover::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

namespace {

using Words = std::vector<std::string>;

// Splits a command line into segments of words at |, ||, &&, ; and newlines,
// honouring quotes. nullopt for anything that makes a command unsafe to
// judge statically: redirection, substitution, backgrounding, unclosed quotes.
std::optional<std::vector<Words>> split_segments(std::string_view command) {
  std::vector<Words> segments(1);
  std::string word;
  bool in_word = false;
  auto end_word = [&] {
    if (in_word) segments.back().push_back(word);
    word.clear();
    in_word = false;
  };
  for (size_t index = 0; index < command.size(); ++index) {
    const char c = command[index];
    if (c == '\'') {
      const size_t close = command.find('\'', index + 1);
      if (close == std::string_view::npos) return std::nullopt;
      word.append(command.substr(index + 1, close - index - 1));
      in_word = true;
      index = close;
    } else if (c == '"') {
      size_t close = index + 1;
      for (; close < command.size() && command[close] != '"'; ++close) {
        if (command[close] == '$' || command[close] == '`') return std::nullopt;  // expansion inside quotes
        if (command[close] == '\\') ++close;
      }
      if (close >= command.size()) return std::nullopt;
      word.append(command.substr(index + 1, close - index - 1));
      in_word = true;
      index = close;
    } else if (c == '\\') {
      if (index + 1 >= command.size()) return std::nullopt;
      word.push_back(command[++index]);
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      end_word();
    } else if (c == '|' || c == ';' || c == '\n' || (c == '&' && index + 1 < command.size() && command[index + 1] == '&')) {
      end_word();
      if ((c == '|' || c == '&') && index + 1 < command.size() && command[index + 1] == c) ++index;
      segments.emplace_back();
    } else if (c == '>' || c == '<' || c == '&' || c == '`' || c == '$' || c == '(' || c == ')') {
      return std::nullopt;
    } else {
      word.push_back(c);
      in_word = true;
    }
  }
  end_word();
  return segments;
}

bool has_any(const Words& words, std::initializer_list<std::string_view> flags) {
  for (const std::string& word : words)
    for (std::string_view flag : flags)
      if (word == flag || (flag.starts_with("--") && word.starts_with(std::string(flag) + "="))) return true;
  return false;
}

bool is_safe_segment(const Words& words) {
  if (words.empty()) return false;
  static constexpr std::array<std::string_view, 27> kReadOnlyPrograms = {
      "ls", "cat", "head", "tail", "wc", "grep", "egrep", "fgrep", "pwd", "echo", "true", "false", "nl",
      "stat", "file", "which", "whoami", "uname", "tree", "du", "cut", "tr", "basename", "dirname",
      "realpath", "diff", "cmp"};
  const std::string& program = words[0];
  if (std::find(kReadOnlyPrograms.begin(), kReadOnlyPrograms.end(), program) != kReadOnlyPrograms.end())
    return true;
  if (program == "rg") return !has_any(words, {"--pre", "--search-zip", "-z"});
  if (program == "find")
    return !has_any(words, {"-exec", "-execdir", "-ok", "-okdir", "-delete", "-fprint", "-fprint0", "-fprintf", "-fls"});
  if (program == "sed") {
    // Only the printing form: sed -n 'N,Mp' [files].
    if (words.size() < 3 || words[1] != "-n") return false;
    const std::string& script = words[2];
    if (script.empty() || script.back() != 'p') return false;
    return std::all_of(script.begin(), script.end() - 1,
                       [](char c) { return (c >= '0' && c <= '9') || c == ',' || c == '$'; });
  }
  if (program == "git") {
    if (words.size() < 2) return false;
    static constexpr std::array<std::string_view, 8> kReadOnlyGit = {"status", "log", "diff", "show", "ls-files",
                                                                      "rev-parse", "blame", "grep"};
    if (std::find(kReadOnlyGit.begin(), kReadOnlyGit.end(), words[1]) == kReadOnlyGit.end()) return false;
    return !has_any(words, {"--output", "--ext-diff", "--textconv", "-O", "--open-files-in-pager"});
  }
  return false;
}

}  // namespace

bool is_known_safe_command(std::string_view command) {
  const auto segments = split_segments(command);
  if (!segments) return false;
  bool any = false;
  for (const Words& segment : *segments) {
    if (segment.empty()) continue;  // "a ;" leaves an empty tail
    if (!is_safe_segment(segment)) return false;
    any = true;
  }
  return any;
}

ApprovalNeed approval_needed(ApprovalPolicy policy, const ApprovalRequest& request) {
  switch (policy) {
    case ApprovalPolicy::kNever:
      return request.escalated ? ApprovalNeed::kDeny : ApprovalNeed::kNone;
    case ApprovalPolicy::kOnRequest:
      return request.escalated ? ApprovalNeed::kAsk : ApprovalNeed::kNone;
    case ApprovalPolicy::kUntrusted:
      return request.escalated || !is_known_safe_command(request.command) ? ApprovalNeed::kAsk
                                                                          : ApprovalNeed::kNone;
  }
  return ApprovalNeed::kAsk;
}

}  // namespace loom::agent
