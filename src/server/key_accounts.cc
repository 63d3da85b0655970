// Authentication, rate limits and usage totals per API key.
#include "server/key_accounts.h"

#include <cmath>

namespace loom::server {
namespace {

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

RateLimited limited(double seconds, const std::string& message) {
  const std::string wait = seconds < 1 ? str_cat(static_cast<int64_t>(std::ceil(seconds * 1000)), "ms")
                                       : str_cat(std::ceil(seconds * 10) / 10, "s");
  return {resource_exhausted("[rate_limit_exceeded] ", message, " Please try again in ", wait, "."), seconds};
}

}  // namespace

KeyAccount::KeyAccount(ApiKey key, Clock::time_point now) : key_(std::move(key)) {
  if (key_.limits.requests_per_minute > 0) requests_.emplace(static_cast<double>(key_.limits.requests_per_minute), now);
  if (key_.limits.tokens_per_minute > 0) tokens_.emplace(static_cast<double>(key_.limits.tokens_per_minute), now);
}

std::optional<RateLimited> KeyAccount::admit_request(Clock::time_point now) {
  totals_.requests++;
  if (!requests_) return std::nullopt;
  std::lock_guard lock(mutex_);
  const double wait = requests_->take(1, now);
  if (wait <= 0) return std::nullopt;
  totals_.rate_limited++;
  return limited(wait, str_cat("Rate limit reached for requests per minute (RPM) on key '", key_.name, "': Limit ",
                               key_.limits.requests_per_minute, "."));
}

std::optional<RateLimited> KeyAccount::admit_prompt(int64_t prompt_tokens, Clock::time_point now) {
  if (!tokens_) return std::nullopt;
  if (prompt_tokens > key_.limits.tokens_per_minute) {
    totals_.rate_limited++;
    RateLimited too_large = limited(60, str_cat("Request too large for tokens per minute (TPM) on key '", key_.name,
                                                "': Limit ", key_.limits.tokens_per_minute, ", Requested ", prompt_tokens,
                                                ". Send a shorter request."));
    return too_large;
  }
  std::lock_guard lock(mutex_);
  const double wait = tokens_->take(static_cast<double>(prompt_tokens), now);
  if (wait <= 0) return std::nullopt;
  totals_.rate_limited++;
  return limited(wait, str_cat("Rate limit reached for tokens per minute (TPM) on key '", key_.name, "': Limit ",
                               key_.limits.tokens_per_minute, ", Requested ", prompt_tokens, "."));
}

void KeyAccount::record_usage(const Usage& usage, Clock::time_point now) {
  totals_.prompt_tokens += usage.prompt_tokens;
  totals_.cached_tokens += usage.cached_tokens;
  totals_.completion_tokens += usage.completion_tokens;
  totals_.cost_nano_usd += std::llround(usage.cost_usd * 1e9);
  if (!tokens_) return;
  std::lock_guard lock(mutex_);
  tokens_->charge(static_cast<double>(usage.completion_tokens), now);
}

KeyAccounts::KeyAccounts(std::vector<ApiKey> keys) : required_(!keys.empty()) {
  const auto now = KeyAccount::Clock::now();
  if (keys.empty()) keys.push_back(ApiKey{.secret = "", .name = "anonymous"});
  for (ApiKey& key : keys) accounts_.push_back(std::make_unique<KeyAccount>(std::move(key), now));
}

Result<KeyAccount*> KeyAccounts::authenticate(std::string_view authorization) const {
  if (!required_) return accounts_.front().get();
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() || !authorization.starts_with(kBearer))
    return Status(StatusCode::kUnauthenticated, "You didn't provide an API key. Provide it as Authorization: Bearer KEY.");
  const std::string_view secret = authorization.substr(kBearer.size());
  KeyAccount* found = nullptr;
  // Every key is compared, so the time taken does not tell which one matched.
  for (const auto& account : accounts_)
    if (constant_time_equal(account->secret(), secret)) found = account.get();
  if (found == nullptr) return Status(StatusCode::kUnauthenticated, "Incorrect API key provided.");
  return found;
}

}  // namespace loom::server
