// Stop strings across token boundaries: the same text split at every position
// must emit the same visible text and stop at the same place.
#include <gtest/gtest.h>

#include "sample/stop_matcher.h"

namespace loom::sample {
namespace {

struct Outcome {
  std::string text;
  bool stopped = false;
  int stop_index = -1;
  bool operator==(const Outcome&) const = default;
};

Outcome run(const std::vector<std::string>& stops, const std::vector<std::string_view>& pieces) {
  StopMatcher matcher(stops);
  Outcome outcome;
  for (std::string_view piece : pieces) {
    StopMatcher::Output output = matcher.feed(piece);
    outcome.text += output.text;
    if (output.stopped) {
      outcome.stopped = true;
      outcome.stop_index = output.stop_index;
    }
  }
  if (!outcome.stopped) outcome.text += matcher.flush();
  return outcome;
}

TEST(StopMatcher, StopSplitAcrossPieces) {
  StopMatcher matcher({"<stop>"});
  EXPECT_EQ(matcher.feed("Hel").text, "Hel");
  EXPECT_EQ(matcher.feed("lo<s").text, "lo");  // "<s" could start the stop string
  EXPECT_EQ(matcher.feed("to").text, "");
  const StopMatcher::Output last = matcher.feed("p> more");
  EXPECT_TRUE(last.stopped);
  EXPECT_EQ(last.text, "");
  EXPECT_EQ(matcher.feed("ignored").text, "");
}

TEST(StopMatcher, FalseStartIsReleased) {
  StopMatcher matcher({"<stop>"});
  EXPECT_EQ(matcher.feed("a<st").text, "a");
  EXPECT_EQ(matcher.feed("ill").text, "<still");
  EXPECT_EQ(matcher.feed("<").text, "");
  EXPECT_EQ(matcher.flush(), "<");
}

TEST(StopMatcher, EverySplitGivesTheSameResult) {
  const std::vector<std::string> stops = {"END", "\n\nUser:", "ab"};
  for (const std::string text : {"hello E wor\n\nUser: tail", "xxENxEND yy", "no stop here\n\n", "a aab",
                                 "\n\nUse\n\nUser:"}) {
    const Outcome whole = run(stops, {text});
    for (size_t first = 0; first <= text.size(); ++first) {
      for (size_t second = first; second <= text.size(); ++second) {
        const std::string_view view(text);
        const Outcome split = run(stops, {view.substr(0, first), view.substr(first, second - first), view.substr(second)});
        ASSERT_EQ(split, whole) << "text '" << text << "' split at " << first << "," << second;
      }
    }
  }
  EXPECT_EQ(run(stops, {"xxENxEND yy"}).text, "xxENx");
  EXPECT_EQ(run(stops, {"hello E wor\n\nUser: tail"}).stop_index, 1);
  EXPECT_EQ(run(stops, {"no stop here\n\n"}).text, "no stop here\n\n");
}

TEST(StopMatcher, EarliestMatchWins) {
  const Outcome outcome = run({"world", "lo w"}, {"hello world"});
  EXPECT_EQ(outcome.text, "hel");
  EXPECT_EQ(outcome.stop_index, 1);
}

TEST(StopChecker, MaxTokensAndEndOfGeneration) {
  StopChecker checker({.stop = {"STOP"}, .max_tokens = 3});
  EXPECT_EQ(checker.feed("a", false).finish, FinishReason::kNone);
  EXPECT_EQ(checker.feed("ST", false).text, "");
  const StopChecker::Step last = checker.feed("b", false);
  EXPECT_EQ(last.finish, FinishReason::kLength);
  EXPECT_EQ(last.text, "STb");  // held text is released at the end

  StopChecker eog({.stop = {"STOP"}});
  eog.feed("x ST", false);
  const StopChecker::Step end = eog.feed("", true);
  EXPECT_EQ(end.finish, FinishReason::kEndOfGeneration);
  EXPECT_EQ(end.text, "ST");
}

}  // namespace
}  // namespace loom::sample
