// A token bucket: holds up to `per_minute` units and refills at per_minute/60
// per second, so a client may burst a minute's allowance and then keeps the
// average rate. Used for requests and tokens per minute per API key. Not
// thread-safe; the owner locks.
#pragma once

#include <algorithm>
#include <chrono>

namespace loom::server {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  TokenBucket(double per_minute, Clock::time_point now) : capacity_(per_minute), level_(per_minute), last_(now) {}

  // Takes `amount` when the bucket holds that much and returns 0; otherwise
  // takes nothing and returns the seconds until it will hold it.
  double take(double amount, Clock::time_point now) {
    refill(now);
    if (level_ >= amount) {
      level_ -= amount;
      return 0;
    }
    return (amount - level_) / rate_per_second();
  }

  // Takes `amount` unconditionally: the level may go below zero, which delays
  // later takes (tokens generated after admission are paid for afterwards).
  void charge(double amount, Clock::time_point now) {
    refill(now);
    level_ -= amount;
  }

  double capacity() const { return capacity_; }

 private:
  double rate_per_second() const { return capacity_ / 60.0; }
  void refill(Clock::time_point now) {
    if (now <= last_) return;
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    level_ = std::min(capacity_, level_ + elapsed * rate_per_second());
    last_ = now;
  }

  double capacity_;
  double level_;
  Clock::time_point last_;
};

}  // namespace loom::server
