// Grammar text parsing, lowering and the byte-level matcher.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>

#include "base/utf8.h"
#include "sample/grammar_matcher.h"
#include "sample/grammar_parser.h"

namespace loom::sample {
namespace {

std::shared_ptr<const Grammar> parse_or_die(std::string_view text) {
  Result<Grammar> grammar = parse_grammar(text);
  EXPECT_TRUE(grammar.ok()) << grammar.status().to_string();
  return std::make_shared<const Grammar>(std::move(grammar).value());
}

// Whether the whole of `text` is a sentence of the grammar.
bool matches(GrammarMatcher& matcher, std::string_view text) {
  const GrammarMatcher::StateId state = matcher.step(matcher.start(), text);
  return state != GrammarMatcher::kDead && matcher.can_end(state);
}

bool is_prefix(GrammarMatcher& matcher, std::string_view text) {
  return matcher.step(matcher.start(), text) != GrammarMatcher::kDead;
}

TEST(GrammarParser, SequencesAlternativesAndGroups) {
  GrammarMatcher matcher(parse_or_die(R"(
    # a comment
    root ::= greeting " " ("world" | "there") "!"?
    greeting ::= "hello" | "hi"
  )"));
  EXPECT_TRUE(matches(matcher, "hello world"));
  EXPECT_TRUE(matches(matcher, "hi there!"));
  EXPECT_FALSE(matches(matcher, "hi"));
  EXPECT_TRUE(is_prefix(matcher, "hi"));
  EXPECT_FALSE(is_prefix(matcher, "hey"));
  EXPECT_FALSE(matches(matcher, "hi there!!"));
}

TEST(GrammarParser, Repetition) {
  GrammarMatcher matcher(parse_or_die(R"(root ::= "a"{2,4} "b"* "c"+ "d"{3} "e"{1,})"));
  EXPECT_TRUE(matches(matcher, "aacddde"));
  EXPECT_TRUE(matches(matcher, "aaaabbbcccdddeee"));
  EXPECT_FALSE(matches(matcher, "acddde"));      // too few a
  EXPECT_FALSE(matches(matcher, "aaaaacddde"));  // too many a
  EXPECT_FALSE(matches(matcher, "aacdde"));      // d{3}
  EXPECT_FALSE(matches(matcher, "aacddd"));      // e+
}

TEST(GrammarParser, CharacterClassesAreUtf8Aware) {
  GrammarMatcher matcher(parse_or_die(R"(root ::= [a-c] [^a-z] [α-ω] . "\u00e9" [\x80-\xBF])"));
  EXPECT_TRUE(matches(matcher, "bXλ€é\x80"));
  EXPECT_TRUE(matches(matcher, "aéω😀é\xBF"));  // negated class: one whole code point
  EXPECT_FALSE(matches(matcher, "dXλ€é\x80"));
  EXPECT_FALSE(matches(matcher, "bxλ€é\x80"));
  EXPECT_FALSE(matches(matcher, "bXaxé\x80"));          // a is not in α-ω
  EXPECT_FALSE(is_prefix(matcher, "bX\xCE"  "\x80"));   // U+0380 is below α (U+03B1)
  EXPECT_FALSE(is_prefix(matcher, "aX\xED\xA0\x80"));   // a surrogate is never a character
}

TEST(GrammarParser, NegatedClassCoversEveryOtherScalarValue) {
  GrammarMatcher matcher(parse_or_die(R"(root ::= [^"\\]*)"));
  std::mt19937 rng(7);
  for (int trial = 0; trial < 2000; ++trial) {
    uint32_t codepoint = rng() % 0x110000;
    if (codepoint >= 0xD800 && codepoint <= 0xDFFF) continue;
    std::string text;
    append_utf8(text, codepoint);
    EXPECT_EQ(matches(matcher, text), codepoint != '"' && codepoint != '\\') << codepoint;
  }
}

TEST(GrammarParser, Recursion) {
  GrammarMatcher matcher(parse_or_die(R"(
    root ::= list
    list ::= "[" (item ("," item)*)? "]"
    item ::= [0-9]+ | list
  )"));
  EXPECT_TRUE(matches(matcher, "[]"));
  EXPECT_TRUE(matches(matcher, "[1,[2,[[]]],34]"));
  EXPECT_FALSE(matches(matcher, "[1,[2]"));
  EXPECT_TRUE(is_prefix(matcher, "[1,[2]"));
  EXPECT_FALSE(is_prefix(matcher, "[1,]"));
}

TEST(GrammarParser, ErrorsNameLineAndColumn) {
  const auto error = [](std::string_view text) { return parse_grammar(text).status().message(); };
  EXPECT_EQ(error("root ::= \"abc"), "grammar line 1, column 10: unterminated string literal");
  EXPECT_EQ(error("root ::= foo"), "grammar line 1, column 10: undefined rule 'foo'");
  EXPECT_EQ(error("root ::= \"a\"\nroot ::= \"b\""), "grammar line 2, column 1: rule 'root' is defined more than once");
  EXPECT_EQ(error("root ::= (\"a\""), "grammar line 1, column 10: unclosed '('");
  EXPECT_EQ(error("root ::= \"a\")"), "grammar line 1, column 13: unmatched ')'");
  EXPECT_EQ(error("root ::= [a-"), "grammar line 1, column 10: unterminated character class");
  EXPECT_EQ(error("root ::= [z-a]"), "grammar line 1, column 10: character range is reversed");
  EXPECT_EQ(error("root \"a\""), "grammar line 1, column 6: expected '::=' after rule name 'root'");
  EXPECT_EQ(error("root ::= \"a\"{3,2}"), "grammar line 1, column 13: repetition {3,2} has max < min");
  EXPECT_EQ(error("root ::= \"\\q\""), "grammar line 1, column 11: unknown escape '\\q'");
  EXPECT_EQ(error("root ::= \"a\" @"), "grammar line 1, column 14: unexpected character '@'");
  EXPECT_EQ(error("start ::= \"a\""), "grammar has no rule named 'root'");
  EXPECT_EQ(error("root ::= [\\x80-\\xFFé]"),
            "grammar line 1, column 10: class mixes raw bytes (\\x80-\\xFF) with non-ASCII characters");
}

TEST(GrammarParser, LeftRecursionIsRejected) {
  EXPECT_EQ(parse_grammar("root ::= root \"a\" | \"b\"").status().message(),
            "left recursion: rule 'root' can reach itself without consuming input");
  // Through a nullable prefix and another rule.
  EXPECT_FALSE(parse_grammar("root ::= opt expr\nexpr ::= \"x\"? root \"+\" | \"1\"\nopt ::= \" \"?").ok());
  // Right recursion is fine.
  EXPECT_TRUE(parse_grammar("root ::= \"a\" root | \"b\"").ok());
}

TEST(GrammarText, RoundTripsThroughTheParser) {
  auto grammar = parse_or_die(R"(root ::= "{" [a-z\x22]+ ("|" [^\n]){0,3} "é" "}")");
  const std::string text = grammar->to_text();
  auto reparsed = parse_or_die(text);
  // Same rules; only the order they were reached in may differ.
  const auto sorted_lines = [](const std::string& all) {
    std::vector<std::string> lines;
    size_t start = 0;
    for (size_t end; (end = all.find('\n', start)) != std::string::npos; start = end + 1) {
      lines.push_back(all.substr(start, end - start));
    }
    std::sort(lines.begin(), lines.end());
    return lines;
  };
  EXPECT_EQ(sorted_lines(reparsed->to_text()), sorted_lines(text));
  GrammarMatcher first(grammar), second(reparsed);
  for (std::string_view sample : {"{ab\"|x|é}", "{a|xé}", "{é}", "{a|1|2|3é}", "{a|1|2|3|4é}"}) {
    EXPECT_EQ(matches(first, sample), matches(second, sample)) << sample;
  }
}

TEST(GrammarBuilder, BuildsRulesFromExpressions) {
  GrammarBuilder b;
  const auto value = b.declare("value");
  b.define(value, b.alt({b.literal("1"), b.seq({b.literal("["), b.ref(value), b.literal("]")})}));
  Result<Grammar> grammar = b.build(value);
  ASSERT_TRUE(grammar.ok());
  GrammarMatcher matcher(std::make_shared<const Grammar>(std::move(grammar).value()));
  EXPECT_TRUE(matches(matcher, "[[[1]]]"));
  EXPECT_FALSE(matches(matcher, "[[1]"));

  GrammarBuilder undefined;
  const auto missing = undefined.declare("missing");
  const auto root = undefined.add_rule("root", undefined.ref(missing));
  EXPECT_EQ(undefined.build(root).status().message(), "rule 'missing' is used but never defined");
}

TEST(GrammarMatcher, StatesAreSharedAndCursorAdvances) {
  GrammarMatcher matcher(parse_or_die(R"(root ::= "\"" [a-z]* "\"")"));
  const auto after_one = matcher.step(matcher.start(), "\"a");
  const auto after_many = matcher.step(matcher.start(), "\"abcdefgh");
  EXPECT_EQ(after_one, after_many);  // the loop returns to the same interned state
  EXPECT_TRUE(matcher.accept("\"ab"));
  EXPECT_FALSE(matcher.accept("1"));
  EXPECT_FALSE(matcher.is_complete());
  EXPECT_TRUE(matcher.accept("c\""));
  EXPECT_TRUE(matcher.is_complete());
  EXPECT_TRUE(matcher.must_end(matcher.state()));
}

TEST(GrammarMatcher, AmbiguousGrammarsKeepEveryParse) {
  GrammarMatcher matcher(parse_or_die(R"(root ::= ("a" | "ab") ("bc" | "c") "d")"));
  EXPECT_TRUE(matches(matcher, "abcd"));  // a+bc and ab+c
  EXPECT_TRUE(matches(matcher, "acd"));
  EXPECT_TRUE(matches(matcher, "abbcd"));
  EXPECT_FALSE(matches(matcher, "abd"));
  EXPECT_FALSE(matches(matcher, "abccd"));
}

}  // namespace
}  // namespace loom::sample
