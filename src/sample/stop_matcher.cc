// StopMatcher and StopChecker.
#include "sample/stop_matcher.h"

#include <algorithm>

namespace loom::sample {

StopMatcher::StopMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {
  std::erase_if(stops_, [](const std::string& stop) { return stop.empty(); });
}

StopMatcher::Output StopMatcher::feed(std::string_view piece) {
  Output out;
  if (stopped_) return out;
  held_ += piece;
  size_t earliest = std::string::npos;
  for (size_t index = 0; index < stops_.size(); ++index) {
    const size_t found = held_.find(stops_[index]);
    if (found < earliest) {
      earliest = found;
      out.stop_index = static_cast<int>(index);
    }
  }
  if (earliest != std::string::npos) {
    out.text = held_.substr(0, earliest);
    out.stopped = stopped_ = true;
    held_.clear();
    return out;
  }
  // Hold back the longest tail that is a proper prefix of some stop string.
  size_t hold = 0;
  for (const std::string& stop : stops_) {
    for (size_t length = std::min(stop.size() - 1, held_.size()); length > hold; --length) {
      if (std::string_view(held_).substr(held_.size() - length) == std::string_view(stop).substr(0, length)) {
        hold = length;
        break;
      }
    }
  }
  out.text = held_.substr(0, held_.size() - hold);
  held_.erase(0, held_.size() - hold);
  return out;
}

std::string StopMatcher::flush() {
  std::string out;
  out.swap(held_);
  return out;
}

StopChecker::StopChecker(StopParams params) : matcher_(std::move(params.stop)), max_tokens_(params.max_tokens) {}

StopChecker::Step StopChecker::feed(std::string_view piece, bool end_of_generation) {
  Step step;
  ++tokens_;
  if (end_of_generation) {
    step.text = matcher_.flush();
    step.finish = FinishReason::kEndOfGeneration;
    return step;
  }
  StopMatcher::Output output = matcher_.feed(piece);
  step.text = std::move(output.text);
  if (output.stopped) {
    step.finish = FinishReason::kStop;
  } else if (max_tokens_ >= 0 && tokens_ >= max_tokens_) {
    step.text += matcher_.flush();
    step.finish = FinishReason::kLength;
  }
  return step;
}

}  // namespace loom::sample
