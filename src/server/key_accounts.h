// KeyAccounts: authentication and per-key accounting. Each API key has an
// account with its rate limits (token buckets for requests and tokens per
// minute) and usage totals that /metrics reports under the key's name.
// Without configured keys every request uses one "anonymous" account with
// no limits.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "server/api_keys.h"
#include "server/generation.h"
#include "server/token_bucket.h"

namespace loom::server {

// Why a request may not run now: a 429 status ([rate_limit_exceeded]) and the
// seconds after which the same request would be admitted (Retry-After).
struct RateLimited {
  Status status;
  double retry_after_seconds = 0;
};

class KeyAccount {
 public:
  using Clock = TokenBucket::Clock;

  KeyAccount(ApiKey key, Clock::time_point now);

  const std::string& name() const { return key_.name; }
  const std::string& secret() const { return key_.secret; }
  const KeyLimits& limits() const { return key_.limits; }

  // Counts one request against requests per minute.
  std::optional<RateLimited> admit_request(Clock::time_point now);
  // Counts the prompt against tokens per minute; a prompt larger than a whole
  // minute's allowance can never run and says so.
  std::optional<RateLimited> admit_prompt(int64_t prompt_tokens, Clock::time_point now);
  // A finished generation: its completion tokens are charged to tokens per
  // minute (after the fact: their number was not known at admission) and its
  // usage added to the totals.
  void record_usage(const Usage& usage, Clock::time_point now);

  struct Totals {
    std::atomic<int64_t> requests{0};
    std::atomic<int64_t> rate_limited{0};
    std::atomic<int64_t> prompt_tokens{0};
    std::atomic<int64_t> cached_tokens{0};
    std::atomic<int64_t> completion_tokens{0};
    std::atomic<int64_t> cost_nano_usd{0};
  };
  const Totals& totals() const { return totals_; }

 private:
  ApiKey key_;
  std::mutex mutex_;
  std::optional<TokenBucket> requests_;  // none: unlimited
  std::optional<TokenBucket> tokens_;
  Totals totals_;
};

class KeyAccounts {
 public:
  explicit KeyAccounts(std::vector<ApiKey> keys);

  bool authentication_required() const { return required_; }
  // The account of `authorization` ("Bearer SECRET"); Unauthenticated when
  // keys are configured and it is missing or unknown. Compares in constant time.
  Result<KeyAccount*> authenticate(std::string_view authorization) const;
  const std::vector<std::unique_ptr<KeyAccount>>& accounts() const { return accounts_; }

 private:
  bool required_;
  std::vector<std::unique_ptr<KeyAccount>> accounts_;
};

}  // namespace loom::server
