// The regex subset for JSON Schema `pattern`, and the string formats, as grammar
// expressions over JSON-encoded string contents.
#include "sample/json_regex.h"

#include <algorithm>

#include "base/utf8.h"

namespace loom::sample {

CodepointSet normalize(CodepointSet set) {
  std::sort(set.begin(), set.end(), [](const CodepointRange& a, const CodepointRange& b) { return a.first < b.first; });
  CodepointSet out;
  for (const CodepointRange& range : set) {
    if (!out.empty() && range.first <= out.back().last + 1) {
      out.back().last = std::max(out.back().last, range.last);
    } else {
      out.push_back(range);
    }
  }
  return out;
}

CodepointSet complement(const CodepointSet& set) {
  CodepointSet out;
  uint32_t next = 0;
  for (const CodepointRange& range : normalize(set)) {
    if (range.first > next) out.push_back({next, range.first - 1});
    next = range.last + 1;
  }
  if (next <= 0x10FFFF) out.push_back({next, 0x10FFFF});
  return out;
}

namespace {

bool contains(const CodepointSet& set, uint32_t codepoint) {
  for (const CodepointRange& range : set) {
    if (codepoint >= range.first && codepoint <= range.last) return true;
  }
  return false;
}

CodepointSet digit_set() { return {{'0', '9'}}; }
CodepointSet word_set() { return normalize({{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}}); }
CodepointSet space_set() {
  return normalize({{'\t', '\r'}, {' ', ' '}, {0xA0, 0xA0}, {0x1680, 0x1680}, {0x2000, 0x200A},
                    {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000}, {0xFEFF, 0xFEFF}});
}

}  // namespace

GrammarBuilder::Expr json_char_in(GrammarBuilder& builder, const CodepointSet& set) {
  // Characters JSON must escape: the quote, the backslash and controls.
  const CodepointSet must_escape = {{0, 0x1F}, {'"', '"'}, {'\\', '\\'}};
  CodepointSet plain;
  for (const CodepointRange& range : complement(must_escape)) {
    for (const CodepointRange& member : set) {
      const uint32_t first = std::max(range.first, member.first), last = std::min(range.last, member.last);
      if (first <= last) plain.push_back({first, last});
    }
  }
  std::vector<GrammarBuilder::Expr> options;
  if (!plain.empty()) options.push_back(builder.chars(normalize(plain)));
  const std::pair<uint32_t, const char*> escapes[] = {{'"', "\\\""}, {'\\', "\\\\"}, {'\n', "\\n"}, {'\t', "\\t"}, {'\r', "\\r"}};
  for (const auto& [codepoint, escaped] : escapes) {
    if (contains(set, codepoint)) options.push_back(builder.literal(escaped));
  }
  if (options.empty()) return builder.bytes(ByteClass{});
  return builder.alt(std::move(options));
}

namespace {

class RegexCompiler {
 public:
  RegexCompiler(GrammarBuilder& builder, std::string_view pattern) : builder_(builder), pattern_(pattern) {}

  Result<GrammarBuilder::Expr> compile() {
    bool anchored_start = false, anchored_end = false;
    if (!pattern_.empty() && pattern_.front() == '^') {
      anchored_start = true;
      pattern_.remove_prefix(1);
    }
    if (!pattern_.empty() && pattern_.back() == '$' && (pattern_.size() < 2 || pattern_[pattern_.size() - 2] != '\\')) {
      anchored_end = true;
      pattern_.remove_suffix(1);
    }
    const GrammarBuilder::Expr body = TRY(parse_alternatives());
    if (pos_ < pattern_.size()) return error("unmatched ')'");
    const GrammarBuilder::Expr any = builder_.star(json_char_in(builder_, {{0, 0x10FFFF}}));
    std::vector<GrammarBuilder::Expr> parts;
    if (!anchored_start) parts.push_back(any);
    parts.push_back(body);
    if (!anchored_end) parts.push_back(any);
    return builder_.seq(std::move(parts));
  }

 private:
  template <typename... Args>
  Status error(const Args&... args) {
    return unimplemented("pattern '", pattern_, "' at offset ", pos_, ": ", args...);
  }

  bool at(char c) const { return pos_ < pattern_.size() && pattern_[pos_] == c; }

  Result<GrammarBuilder::Expr> parse_alternatives() {
    std::vector<GrammarBuilder::Expr> options;
    options.push_back(TRY(parse_sequence()));
    while (at('|')) {
      ++pos_;
      options.push_back(TRY(parse_sequence()));
    }
    return builder_.alt(std::move(options));
  }

  Result<GrammarBuilder::Expr> parse_sequence() {
    std::vector<GrammarBuilder::Expr> parts;
    while (pos_ < pattern_.size() && !at('|') && !at(')')) {
      GrammarBuilder::Expr atom = TRY(parse_atom());
      parts.push_back(TRY(parse_quantifier(atom)));
    }
    return builder_.seq(std::move(parts));
  }

  Result<GrammarBuilder::Expr> parse_quantifier(GrammarBuilder::Expr atom) {
    for (;;) {
      int min_count = 0, max_count = 0;
      if (at('*')) { ++pos_; min_count = 0; max_count = GrammarBuilder::kUnbounded; }
      else if (at('+')) { ++pos_; min_count = 1; max_count = GrammarBuilder::kUnbounded; }
      else if (at('?')) { ++pos_; min_count = 0; max_count = 1; }
      else if (at('{')) {
        ++pos_;
        min_count = TRY(parse_number());
        max_count = min_count;
        if (at(',')) {
          ++pos_;
          max_count = at('}') ? GrammarBuilder::kUnbounded : TRY(parse_number());
        }
        if (!at('}')) return error("expected '}'");
        ++pos_;
        if (max_count != GrammarBuilder::kUnbounded && max_count < min_count) return error("bad repetition bounds");
      } else {
        return atom;
      }
      if (at('?')) ++pos_;  // a lazy quantifier matches the same strings
      atom = builder_.repeat(atom, min_count, max_count);
    }
  }

  Result<int> parse_number() {
    int value = 0;
    const size_t start = pos_;
    while (pos_ < pattern_.size() && pattern_[pos_] >= '0' && pattern_[pos_] <= '9') {
      value = value * 10 + (pattern_[pos_++] - '0');
      if (value > 10000) return error("repetition count too large");
    }
    if (pos_ == start) return error("expected a number");
    return value;
  }

  Result<GrammarBuilder::Expr> parse_atom() {
    const char c = pattern_[pos_];
    if (c == '(') {
      if (++depth_ > 200) return error("groups nested deeper than 200");
      ++pos_;
      if (at('?')) {
        if (pos_ + 1 < pattern_.size() && pattern_[pos_ + 1] == ':') {
          pos_ += 2;
        } else {
          return error("lookaround and named groups are unimplemented");
        }
      }
      const GrammarBuilder::Expr inner = TRY(parse_alternatives());
      if (!at(')')) return error("unclosed '('");
      ++pos_;
      --depth_;
      return inner;
    }
    if (c == '[') return parse_class();
    if (c == '.') {
      ++pos_;
      return json_char_in(builder_, complement({{'\n', '\n'}, {'\r', '\r'}, {0x2028, 0x2029}}));
    }
    if (c == '^' || c == '$') return error("anchors inside the pattern are unimplemented");
    if (c == '*' || c == '+' || c == '?' || c == '{') return error("quantifier without an atom");
    const CodepointSet set = TRY(parse_single(/*in_class=*/false));
    return json_char_in(builder_, set);
  }

  // One literal character or escape, as a set (escapes like \d are sets).
  Result<CodepointSet> parse_single(bool in_class) {
    if (pattern_[pos_] != '\\') {
      const uint32_t codepoint = TRY(decode_utf8());
      return CodepointSet{{codepoint, codepoint}};
    }
    ++pos_;
    if (pos_ >= pattern_.size()) return error("trailing backslash");
    const char kind = pattern_[pos_++];
    switch (kind) {
      case 'd': return digit_set();
      case 'D': return complement(digit_set());
      case 'w': return word_set();
      case 'W': return complement(word_set());
      case 's': return space_set();
      case 'S': return complement(space_set());
      case 'n': return CodepointSet{{'\n', '\n'}};
      case 't': return CodepointSet{{'\t', '\t'}};
      case 'r': return CodepointSet{{'\r', '\r'}};
      case 'f': return CodepointSet{{'\f', '\f'}};
      case 'v': return CodepointSet{{'\v', '\v'}};
      case 'u': {
        if (pos_ + 4 > pattern_.size()) return error("truncated \\u escape");
        uint32_t value = 0;
        for (int i = 0; i < 4; ++i) {
          const char h = pattern_[pos_++];
          const int digit = (h >= '0' && h <= '9') ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                          : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
          if (digit < 0) return error("bad \\u escape");
          value = value * 16 + static_cast<uint32_t>(digit);
        }
        return CodepointSet{{value, value}};
      }
      case 'b':
        if (in_class) return CodepointSet{{'\b', '\b'}};
        return error("word boundaries are unimplemented");
      default:
        if (kind >= '1' && kind <= '9') return error("backreferences are unimplemented");
        if ((kind >= 'a' && kind <= 'z') || (kind >= 'A' && kind <= 'Z')) return error("unknown escape \\", kind);
        return CodepointSet{{static_cast<uint32_t>(static_cast<uint8_t>(kind)), static_cast<uint32_t>(static_cast<uint8_t>(kind))}};
    }
  }

  Result<uint32_t> decode_utf8() {
    char32_t codepoint = 0;
    const int length = decode_utf8_sequence(pattern_, pos_, codepoint);
    if (length < 0) return error("invalid UTF-8");
    pos_ += static_cast<size_t>(length);
    return static_cast<uint32_t>(codepoint);
  }


  Result<GrammarBuilder::Expr> parse_class() {
    ++pos_;
    bool negated = false;
    if (at('^')) { negated = true; ++pos_; }
    CodepointSet set;
    while (!at(']')) {
      if (pos_ >= pattern_.size()) return error("unterminated class");
      CodepointSet low = TRY(parse_single(/*in_class=*/true));
      if (at('-') && pos_ + 1 < pattern_.size() && pattern_[pos_ + 1] != ']' && low.size() == 1 && low[0].first == low[0].last) {
        ++pos_;
        const CodepointSet high = TRY(parse_single(/*in_class=*/true));
        if (high.size() != 1 || high[0].first != high[0].last || high[0].first < low[0].first) {
          return error("bad class range");
        }
        set.push_back({low[0].first, high[0].first});
      } else {
        set.insert(set.end(), low.begin(), low.end());
      }
    }
    ++pos_;
    set = normalize(set);
    return json_char_in(builder_, negated ? complement(set) : set);
  }

  GrammarBuilder& builder_;
  std::string_view pattern_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<GrammarBuilder::Expr> regex_string_content(GrammarBuilder& builder, std::string_view pattern) {
  return RegexCompiler(builder, pattern).compile();
}

namespace {

GrammarBuilder::Expr digits(GrammarBuilder& b, int count) { return b.repeat(b.chars({{'0', '9'}}), count, count); }

GrammarBuilder::Expr two_digits(GrammarBuilder& b, char max_tens, char max_units_at_max_tens) {
  // 00 .. (max_tens)(max_units_at_max_tens), e.g. 00-23 or 00-59.
  std::vector<GrammarBuilder::Expr> options;
  if (max_tens > '0') options.push_back(b.seq({b.chars({{'0', static_cast<uint32_t>(max_tens - 1)}}), b.chars({{'0', '9'}})}));
  options.push_back(b.seq({b.literal(std::string(1, max_tens)), b.chars({{'0', static_cast<uint32_t>(max_units_at_max_tens)}})}));
  return b.alt(std::move(options));
}

GrammarBuilder::Expr date_content(GrammarBuilder& b) {
  // Days valid for each month; February stops at 28 so no leap-year logic is needed.
  const auto day_01_28 = b.alt({b.seq({b.literal("0"), b.chars({{'1', '9'}})}),
                                b.seq({b.literal("1"), b.chars({{'0', '9'}})}),
                                b.seq({b.literal("2"), b.chars({{'0', '8'}})})});
  const auto day_29_30 = b.alt({b.literal("29"), b.literal("30")});
  const auto month_31 = b.alt({b.literal("01"), b.literal("03"), b.literal("05"), b.literal("07"),
                               b.literal("08"), b.literal("10"), b.literal("12")});
  const auto month_30 = b.alt({b.literal("04"), b.literal("06"), b.literal("09"), b.literal("11")});
  const auto month_day = b.alt({
      b.seq({month_31, b.literal("-"), b.alt({day_01_28, day_29_30, b.literal("31")})}),
      b.seq({month_30, b.literal("-"), b.alt({day_01_28, day_29_30})}),
      b.seq({b.literal("02-"), day_01_28}),
  });
  return b.seq({digits(b, 4), b.literal("-"), month_day});
}

GrammarBuilder::Expr time_content(GrammarBuilder& b) {
  const auto hour = two_digits(b, '2', '3');
  const auto minute = two_digits(b, '5', '9');
  const auto fraction = b.optional(b.seq({b.literal("."), b.repeat(b.chars({{'0', '9'}}), 1, 6)}));
  const auto offset = b.alt({b.literal("Z"), b.seq({b.chars({{'+', '+'}, {'-', '-'}}), hour, b.literal(":"), minute})});
  return b.seq({hour, b.literal(":"), minute, b.literal(":"), minute, fraction, offset});
}

}  // namespace

GrammarBuilder::Expr format_string_content(GrammarBuilder& b, std::string_view format) {
  if (format == "date") return date_content(b);
  if (format == "time") return time_content(b);
  if (format == "date-time") return b.seq({date_content(b), b.literal("T"), time_content(b)});
  if (format == "uuid") {
    const auto hex = b.chars({{'0', '9'}, {'a', 'f'}, {'A', 'F'}});
    return b.seq({b.repeat(hex, 8, 8), b.literal("-"), b.repeat(hex, 4, 4), b.literal("-"), b.repeat(hex, 4, 4),
                  b.literal("-"), b.repeat(hex, 4, 4), b.literal("-"), b.repeat(hex, 12, 12)});
  }
  if (format == "email") {
    const auto atom = b.repeat(b.chars({{'a', 'z'}, {'A', 'Z'}, {'0', '9'}, {'_', '_'}, {'+', '+'}, {'-', '-'}}), 1, 32);
    const auto alnum = b.chars({{'a', 'z'}, {'A', 'Z'}, {'0', '9'}});
    const auto label = b.seq({alnum, b.optional(b.seq({b.repeat(b.chars({{'a', 'z'}, {'A', 'Z'}, {'0', '9'}, {'-', '-'}}), 0, 30), alnum}))});
    return b.seq({atom, b.repeat(b.seq({b.literal("."), atom}), 0, 3), b.literal("@"), label,
                  b.repeat(b.seq({b.literal("."), label}), 1, 3)});
  }
  if (format == "ipv4") {
    // 0-255 without leading zeros.
    const auto value = b.alt({
        b.seq({b.literal("25"), b.chars({{'0', '5'}})}),
        b.seq({b.literal("2"), b.chars({{'0', '4'}}), b.chars({{'0', '9'}})}),
        b.seq({b.literal("1"), b.chars({{'0', '9'}}), b.chars({{'0', '9'}})}),
        b.seq({b.chars({{'1', '9'}}), b.chars({{'0', '9'}})}),
        b.chars({{'0', '9'}}),
    });
    return b.seq({value, b.literal("."), value, b.literal("."), value, b.literal("."), value});
  }
  return -1;
}

}  // namespace loom::sample
