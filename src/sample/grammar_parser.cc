// Recursive-descent parser for grammar text: rules `name ::= alternatives`,
// literals, character classes, groups, repetition; errors carry line:column.
#include "sample/grammar_parser.h"

#include <map>
#include <optional>

#include "base/utf8.h"

namespace loom::sample {
namespace {

constexpr int kMaxRepeat = 10000;
constexpr int kMaxNesting = 200;  // parentheses: bounds the parser's recursion

class Parser {
 public:
  Parser(std::string_view text, GrammarBuilder& builder) : text_(text), builder_(builder) {}

  Status parse() {
    skip_space();
    while (pos_ < text_.size()) {
      const size_t name_start = pos_;
      const std::string name = parse_name();
      if (name.empty()) return error_at(pos_, "expected a rule name");
      skip_space();
      if (text_.substr(pos_, 3) != "::=") return error_at(pos_, "expected '::=' after rule name '", name, "'");
      pos_ += 3;
      if (defined_.count(name)) {
        return error_at(name_start, "rule '", name, "' is defined more than once");
      }
      defined_.insert({name, name_start});
      const GrammarBuilder::RuleId rule = builder_.declare(name);
      const GrammarBuilder::Expr body = TRY(parse_alternatives(/*depth=*/0));
      builder_.define(rule, body);
      skip_space();
    }
    for (const auto& [name, where] : referenced_) {
      if (!defined_.count(name)) return error_at(where, "undefined rule '", name, "'");
    }
    return {};
  }

 private:
  template <typename... Args>
  Status error_at(size_t where, const Args&... args) {
    int line = 1, column = 1;
    for (size_t i = 0; i < where && i < text_.size(); ++i) {
      if (text_[i] == '\n') { ++line; column = 1; } else { ++column; }
    }
    return invalid_argument("grammar line ", line, ", column ", column, ": ", args...);
  }

  void skip_space() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else {
        break;
      }
    }
  }

  static bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  }

  std::string parse_name() {
    const size_t start = pos_;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  // True when a rule definition `name ::=` starts at pos_ (ends the current rule).
  bool at_rule_start() {
    const size_t saved = pos_;
    const std::string name = parse_name();
    skip_space();
    const bool result = !name.empty() && text_.substr(pos_, 3) == "::=";
    pos_ = saved;
    return result;
  }

  Result<GrammarBuilder::Expr> parse_alternatives(int depth) {
    std::vector<GrammarBuilder::Expr> options;
    options.push_back(TRY(parse_sequence(depth)));
    while (pos_ < text_.size() && text_[pos_] == '|') {
      ++pos_;
      options.push_back(TRY(parse_sequence(depth)));
    }
    return builder_.alt(std::move(options));
  }

  Result<GrammarBuilder::Expr> parse_sequence(int depth) {
    std::vector<GrammarBuilder::Expr> parts;
    for (;;) {
      skip_space();
      if (pos_ >= text_.size()) break;
      const char c = text_[pos_];
      if (c == '|' || c == ')') break;
      if (is_name_char(c) && at_rule_start()) break;
      GrammarBuilder::Expr atom = TRY(parse_atom(depth));
      atom = TRY(parse_postfix(atom));
      parts.push_back(atom);
    }
    if (pos_ < text_.size() && text_[pos_] == ')' && depth == 0) return error_at(pos_, "unmatched ')'");
    return builder_.seq(std::move(parts));
  }

  Result<GrammarBuilder::Expr> parse_atom(int depth) {
    const size_t start = pos_;
    const char c = text_[pos_];
    if (c == '"') return parse_literal();
    if (c == '[') return parse_class();
    if (c == '.') {
      ++pos_;
      return builder_.chars({}, /*negated=*/true);
    }
    if (c == '(') {
      if (depth >= kMaxNesting) return error_at(start, "groups nested deeper than ", kMaxNesting);
      ++pos_;
      const GrammarBuilder::Expr inner = TRY(parse_alternatives(depth + 1));
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != ')') return error_at(start, "unclosed '('");
      ++pos_;
      return inner;
    }
    if (is_name_char(c)) {
      const std::string name = parse_name();
      // Names the builder already knows (declared earlier or defined outside this
      // text) need no definition here.
      if (!builder_.has_rule(name)) referenced_.insert({name, start});
      return builder_.ref(builder_.declare(name));
    }
    return error_at(start, "unexpected character '", c, "'");
  }

  Result<GrammarBuilder::Expr> parse_postfix(GrammarBuilder::Expr atom) {
    for (;;) {
      if (pos_ >= text_.size()) return atom;
      const char c = text_[pos_];
      if (c == '*') { ++pos_; atom = builder_.star(atom); continue; }
      if (c == '+') { ++pos_; atom = builder_.plus(atom); continue; }
      if (c == '?') { ++pos_; atom = builder_.optional(atom); continue; }
      if (c != '{') return atom;
      const size_t start = pos_++;
      const int min_count = TRY(parse_count(start));
      int max_count = min_count;
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        max_count = (pos_ < text_.size() && text_[pos_] == '}') ? GrammarBuilder::kUnbounded : TRY(parse_count(start));
      }
      if (pos_ >= text_.size() || text_[pos_] != '}') return error_at(start, "expected '}' to close the repetition");
      ++pos_;
      if (max_count != GrammarBuilder::kUnbounded && max_count < min_count) {
        return error_at(start, "repetition {", min_count, ",", max_count, "} has max < min");
      }
      atom = builder_.repeat(atom, min_count, max_count);
    }
  }

  Result<int> parse_count(size_t start) {
    int value = 0;
    const size_t digits_start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      value = value * 10 + (text_[pos_++] - '0');
      if (value > kMaxRepeat) return error_at(start, "repetition count above ", kMaxRepeat);
    }
    if (pos_ == digits_start) return error_at(pos_, "expected a number in the repetition");
    return value;
  }

  // One source character, UTF-8 decoded, or an escape. `raw_byte` is set for \xNN.
  struct Char {
    uint32_t codepoint = 0;
    bool raw_byte = false;
  };

  Result<Char> parse_char(size_t construct_start) {
    if (pos_ >= text_.size()) return error_at(construct_start, "unterminated literal or class");
    const uint8_t lead = static_cast<uint8_t>(text_[pos_]);
    if (lead == '\\') {
      const size_t escape_start = pos_++;
      if (pos_ >= text_.size()) return error_at(escape_start, "unterminated escape");
      const char kind = text_[pos_++];
      switch (kind) {
        case 'n': return Char{'\n'};
        case 't': return Char{'\t'};
        case 'r': return Char{'\r'};
        case 'x': return Char{TRY(parse_hex(escape_start, 2)), true};
        case 'u': return Char{TRY(parse_hex(escape_start, 4))};
        case 'U': return Char{TRY(parse_hex(escape_start, 8))};
        case '\\': case '"': case '[': case ']': case '-': case '^': case '/': case '.':
          return Char{static_cast<uint32_t>(kind)};
        default: return error_at(escape_start, "unknown escape '\\", kind, "'");
      }
    }
    if (lead < 0x80) {
      ++pos_;
      return Char{lead};
    }
    const int length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
    if (length == 0 || pos_ + length > text_.size()) return error_at(pos_, "invalid UTF-8 in grammar text");
    uint32_t codepoint = lead & (0x7F >> length);
    for (int i = 1; i < length; ++i) {
      const uint8_t next = static_cast<uint8_t>(text_[pos_ + i]);
      if ((next & 0xC0) != 0x80) return error_at(pos_, "invalid UTF-8 in grammar text");
      codepoint = (codepoint << 6) | (next & 0x3F);
    }
    pos_ += length;
    return Char{codepoint};
  }

  Result<uint32_t> parse_hex(size_t escape_start, int digits) {
    uint32_t value = 0;
    for (int i = 0; i < digits; ++i) {
      if (pos_ >= text_.size()) return error_at(escape_start, "truncated hex escape");
      const char c = text_[pos_++];
      int digit = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      if (digit < 0) return error_at(escape_start, "bad hex digit '", c, "' in escape");
      value = value * 16 + static_cast<uint32_t>(digit);
    }
    if (value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
      return error_at(escape_start, "escape is not a Unicode scalar value");
    }
    return value;
  }

  Result<GrammarBuilder::Expr> parse_literal() {
    const size_t start = pos_++;
    std::string bytes;
    for (;;) {
      if (pos_ >= text_.size()) return error_at(start, "unterminated string literal");
      if (text_[pos_] == '"') { ++pos_; break; }
      const Char c = TRY(parse_char(start));
      if (c.raw_byte) {
        bytes.push_back(static_cast<char>(c.codepoint));
      } else {
        append_utf8(bytes, c.codepoint);
      }
    }
    return builder_.literal(bytes);
  }

  // [...] over code points (UTF-8 aware); with any \x80-\xFF escape, over raw bytes.
  Result<GrammarBuilder::Expr> parse_class() {
    const size_t start = pos_++;
    bool negated = false;
    if (pos_ < text_.size() && text_[pos_] == '^') { negated = true; ++pos_; }
    std::vector<CodepointRange> ranges;
    bool raw_bytes = false, wide = false;
    for (;;) {
      if (pos_ >= text_.size()) return error_at(start, "unterminated character class");
      if (text_[pos_] == ']') { ++pos_; break; }
      const Char first = TRY(parse_char(start));
      Char last = first;
      if (pos_ + 1 < text_.size() && text_[pos_] == '-' && text_[pos_ + 1] != ']') {
        ++pos_;
        last = TRY(parse_char(start));
      }
      if (last.codepoint < first.codepoint) return error_at(start, "character range is reversed");
      raw_bytes |= (first.raw_byte && first.codepoint >= 0x80) || (last.raw_byte && last.codepoint >= 0x80);
      wide |= (!first.raw_byte && first.codepoint >= 0x80) || (!last.raw_byte && last.codepoint >= 0x80);
      ranges.push_back({first.codepoint, last.codepoint});
    }
    if (raw_bytes && wide) return error_at(start, "class mixes raw bytes (\\x80-\\xFF) with non-ASCII characters");
    if (!raw_bytes) return builder_.chars(std::move(ranges), negated);
    ByteClass byte_class;
    for (const CodepointRange& range : ranges) {
      byte_class.add_range(static_cast<uint8_t>(range.first), static_cast<uint8_t>(range.last));
    }
    if (negated) for (uint64_t& word : byte_class.bits) word = ~word;
    return builder_.bytes(byte_class);
  }

  std::string_view text_;
  GrammarBuilder& builder_;
  size_t pos_ = 0;
  std::map<std::string, size_t> defined_;
  std::map<std::string, size_t> referenced_;  // first reference of each name
};

}  // namespace

Status parse_grammar_into(std::string_view text, GrammarBuilder& builder) {
  return Parser(text, builder).parse();
}

Result<Grammar> parse_grammar(std::string_view text, std::string_view root_rule) {
  GrammarBuilder builder;
  TRY(parse_grammar_into(text, builder));
  const GrammarBuilder::RuleId root = builder.find_rule(root_rule);
  if (root < 0) return invalid_argument("grammar has no rule named '", root_rule, "'");
  return builder.build(root);
}

}  // namespace loom::sample
