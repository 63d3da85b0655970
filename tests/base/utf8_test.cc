// base/utf8: well-formedness per Unicode Table 3-7 and the maximal-subpart rule.
#include "base/utf8.h"

#include <gtest/gtest.h>

namespace loom {
namespace {

TEST(Utf8, DecodesEveryLengthAndRoundTrips) {
  for (const char32_t code_point : {U'A', U'\u00E9', U'\u20AC', U'\U0001F600', U'\U0010FFFF'}) {
    std::string text;
    append_utf8(text, code_point);
    char32_t decoded = 0;
    EXPECT_EQ(decode_utf8_sequence(text, 0, decoded), static_cast<int>(text.size()));
    EXPECT_EQ(decoded, code_point);
  }
}

TEST(Utf8, IllFormedSequencesReportTheirMaximalSubpart) {
  char32_t ignored = 0;
  EXPECT_EQ(decode_utf8_sequence("\xC0\xAF", 0, ignored), -1);          // overlong lead
  EXPECT_EQ(decode_utf8_sequence("\xE0\x80\x80", 0, ignored), -1);      // overlong three-byte
  EXPECT_EQ(decode_utf8_sequence("\xED\xA0\x80", 0, ignored), -1);      // surrogate
  EXPECT_EQ(decode_utf8_sequence("\xF4\x90\x80\x80", 0, ignored), -1);  // above U+10FFFF
  EXPECT_EQ(decode_utf8_sequence("\xF0\x9F\x98", 0, ignored), -3);      // truncated after 3 valid bytes
  EXPECT_EQ(decode_utf8_sequence("\xE2\x82" "A", 0, ignored), -2);      // broken by ASCII
}

TEST(Utf8, FirstInvalidGivesTheByteOffset) {
  EXPECT_EQ(first_invalid_utf8("plain"), std::string_view::npos);
  EXPECT_EQ(first_invalid_utf8("caf\xC3\xA9"), std::string_view::npos);
  EXPECT_EQ(first_invalid_utf8("caf\xC3"), 3u);
  EXPECT_EQ(first_invalid_utf8("ok \xFF"), 3u);
  EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));
  EXPECT_TRUE(is_valid_utf8(""));
}

TEST(Utf8, LossyDecodingAdvancesPastTheInvalidPart) {
  const std::string_view text = "\xF0\x9F\x98" "x";
  size_t pos = 0;
  EXPECT_EQ(decode_utf8(text, pos), kReplacementCharacter);
  EXPECT_EQ(pos, 3u);
  EXPECT_EQ(decode_utf8(text, pos), U'x');
  EXPECT_EQ(to_valid_utf8("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
}

}  // namespace
}  // namespace loom
