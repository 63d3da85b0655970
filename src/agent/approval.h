// Approval: whether a command the model wants to run needs the user's yes,
// and the Approver interface the interactive front end (or a test) implements.
#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace loom::agent {

enum class ApprovalPolicy {
  kNever,      // never ask; escalation requests are denied
  kOnRequest,  // ask only when the model asks to run outside the sandbox
  kUntrusted,  // ask for anything that is not a known read-only command
};

std::string_view approval_policy_name(ApprovalPolicy policy);  // "never", "on-request", "untrusted"
Result<ApprovalPolicy> parse_approval_policy(std::string_view name);

struct ApprovalRequest {
  std::string call_id{};
  std::string tool{};           // "shell"
  std::string command{};        // what would run
  std::string workdir{};        // relative to the workspace
  bool escalated = false;     // the model asked to run without the sandbox
  std::string justification{};  // the model's reason, for the question shown to the user
};

enum class ApprovalDecision {
  kApproved,
  kApprovedForSession,  // approved, and the same command need not ask again
  kDenied,              // the call fails with output telling the model so
  kAbort,               // stop the session
};

class Approver {
 public:
  virtual ~Approver() = default;
  // Called from executor worker threads; implementations serialize their own
  // interaction with the user.
  virtual ApprovalDecision decide(const ApprovalRequest& request) = 0;
};

// Replays decisions in order and records the requests it saw; for tests.
class ScriptedApprover : public Approver {
 public:
  explicit ScriptedApprover(std::vector<ApprovalDecision> decisions)
      : decisions_(decisions.begin(), decisions.end()) {}
  ApprovalDecision decide(const ApprovalRequest& request) override;
  std::vector<ApprovalRequest> requests() const;

 private:
  mutable std::mutex mutex_;
  std::deque<ApprovalDecision> decisions_;  // when exhausted: kDenied
  std::vector<ApprovalRequest> requests_;
};

// True when every part of a shell command (split on |, &&, ||, ;) is a
// program known not to modify anything (ls, cat, grep, git status, ...) with
// no redirection, substitution or dangerous flag (find -exec/-delete, ...).
bool is_known_safe_command(std::string_view command);

enum class ApprovalNeed {
  kNone,  // run as asked
  kAsk,   // ask the Approver
  kDeny,  // refuse without asking (escalation under `never`)
};

ApprovalNeed approval_needed(ApprovalPolicy policy, const ApprovalRequest& request);

}  // namespace loom::agent
