// When generation ends: stop strings matched across token boundaries (text that
// could be the start of a stop string is held back until it is decided), the
// token budget, and end-of-generation tokens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace loom::sample {

class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops);

  struct Output {
    std::string text;     // safe to show: never part of a stop string
    bool stopped = false;
    int stop_index = -1;  // which stop string matched
  };
  // Feeds the next decoded piece. After a stop, further pieces are ignored.
  Output feed(std::string_view piece);
  // At the end of generation: the held-back text (it was not a stop after all).
  std::string flush();
  bool stopped() const { return stopped_; }

 private:
  std::vector<std::string> stops_;
  std::string held_;
  bool stopped_ = false;
};

enum class FinishReason { kNone, kStop, kLength, kEndOfGeneration };

struct StopParams {
  std::vector<std::string> stop{};
  int32_t max_tokens = -1;  // -1: no limit
};

// One sequence's stop state: feed every sampled token's text.
class StopChecker {
 public:
  explicit StopChecker(StopParams params);

  struct Step {
    std::string text;  // to emit
    FinishReason finish = FinishReason::kNone;
  };
  Step feed(std::string_view piece, bool end_of_generation);

 private:
  StopMatcher matcher_;
  int32_t max_tokens_;
  int32_t tokens_ = 0;
};

}  // namespace loom::sample
