#include "base/status.h"

#include <gtest/gtest.h>

namespace loom {
namespace {

Result<int> parse_positive(int value) {
  if (value <= 0) return invalid_argument("value ", value, " is not positive");
  return value;
}

Result<int> doubled(int value) {
  int checked = TRY(parse_positive(value));
  return checked * 2;
}

Status check_both(int a, int b) {
  TRY(parse_positive(a));
  TRY(parse_positive(b));
  return {};
}

TEST(Status, TryPropagatesErrorsAndValues) {
  EXPECT_EQ(*doubled(4), 8);
  Result<int> failed = doubled(-1);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(failed.status().message(), "value -1 is not positive");
  EXPECT_TRUE(check_both(1, 2).ok());
  EXPECT_EQ(check_both(1, 0).message(), "value 0 is not positive");
}

TEST(Status, ContextAndToString) {
  Status status = data_loss("truncated").with_context("x.gguf");
  EXPECT_EQ(status.to_string(), "data loss: x.gguf: truncated");
  EXPECT_EQ(Status().to_string(), "ok");
}

TEST(Status, ValueOr) {
  EXPECT_EQ(parse_positive(-3).value_or(7), 7);
  EXPECT_EQ(parse_positive(3).value_or(7), 3);
}

}  // namespace
}  // namespace loom
