// Lexer for the Jinja subset. The whitespace options are applied as a
// preprocessing pass over the source, as @huggingface/jinja does, while an
// origin table keeps every byte's position in the original text for errors.
#include "jinja/lexer.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "jinja/utf8.h"

namespace loom::jinja {
namespace {

// Source text after preprocessing, with each byte's offset in the original.
struct Source {
  std::string text;
  std::vector<uint32_t> origin;

  void push(char c, uint32_t from) {
    text.push_back(c);
    origin.push_back(from);
  }
};

bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Jinja's default: one trailing newline of the template is dropped.
Source strip_trailing_newline(std::string_view input) {
  Source source;
  const size_t size = (!input.empty() && input.back() == '\n') ? input.size() - 1 : input.size();
  for (size_t i = 0; i < size; ++i) source.push(input[i], static_cast<uint32_t>(i));
  return source;
}

bool block_start(const std::string& text, size_t pos) {
  return pos + 1 < text.size() && text[pos] == '{' && (text[pos + 1] == '#' || text[pos + 1] == '%' || text[pos + 1] == '-');
}

// lstrip_blocks: spaces and tabs from a line start up to a block or comment tag.
Source lstrip_blocks(const Source& in) {
  Source out;
  size_t pos = 0;
  while (pos < in.text.size()) {
    const bool line_start = pos == 0 || in.text[pos - 1] == '\n' || in.text[pos - 1] == '\r';
    if (line_start) {
      size_t end = pos;
      while (end < in.text.size() && (in.text[end] == ' ' || in.text[end] == '\t')) ++end;
      if (end > pos && block_start(in.text, end)) pos = end;
    }
    out.push(in.text[pos], in.origin[pos]);
    ++pos;
  }
  return out;
}

// trim_blocks: the newline right after "%}", "#}" (or "-}") goes.
Source trim_blocks(const Source& in) {
  Source out;
  for (size_t pos = 0; pos < in.text.size(); ++pos) {
    out.push(in.text[pos], in.origin[pos]);
    const char c = in.text[pos];
    if ((c == '%' || c == '#' || c == '-') && pos + 2 < in.text.size() && in.text[pos + 1] == '}' &&
        in.text[pos + 2] == '\n') {
      out.push('}', in.origin[pos + 1]);
      pos += 2;
    }
  }
  return out;
}

// transformers' `{% generation %}` / `{% endgeneration %}` markers render nothing.
Source remove_generation_tags(const Source& in) {
  Source out;
  const std::string& text = in.text;
  size_t pos = 0;
  size_t copied = 0;  // text[copied, pos) is pending whitespace not yet copied
  while (pos < text.size()) {
    if (text.compare(pos, 2, "{%") != 0) {
      ++pos;
      continue;
    }
    size_t cursor = pos + 2;
    const bool strip_before = cursor < text.size() && text[cursor] == '-';
    if (strip_before) ++cursor;
    while (cursor < text.size() && is_ascii_space(text[cursor])) ++cursor;
    if (text.compare(cursor, 3, "end") == 0) cursor += 3;
    if (text.compare(cursor, 10, "generation") != 0) {
      pos += 2;
      continue;
    }
    cursor += 10;
    while (cursor < text.size() && is_ascii_space(text[cursor])) ++cursor;
    const bool strip_after = cursor < text.size() && text[cursor] == '-';
    if (strip_after) ++cursor;
    if (text.compare(cursor, 2, "%}") != 0) {
      pos += 2;
      continue;
    }
    cursor += 2;
    size_t before = pos;
    while (before > copied && is_ascii_space(text[before - 1])) --before;
    for (size_t i = copied; i < (strip_before ? before : pos); ++i) out.push(text[i], in.origin[i]);
    size_t after = cursor;
    while (after < text.size() && is_ascii_space(text[after])) ++after;
    if (!strip_after) {
      for (size_t i = cursor; i < after; ++i) out.push(text[i], in.origin[i]);
    }
    pos = copied = after;
  }
  for (size_t i = copied; i < text.size(); ++i) out.push(text[i], in.origin[i]);
  return out;
}

class Lexer {
 public:
  Lexer(std::string_view original, Source source) : original_(original), source_(std::move(source)) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < original_.size(); ++i) {
      if (original_[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  Result<std::vector<Token>> run();

 private:
  const std::string& src() const { return source_.text; }
  bool at(std::string_view sequence) const { return src().compare(pos_, sequence.size(), sequence) == 0; }
  Position position_of(size_t pos) const;
  Status error(size_t pos, const std::string& message) const;
  void push(TokenKind kind, std::string text, size_t start);
  void strip_last_text();
  void skip_unicode_space();
  Status lex_string(size_t start);
  Status lex_number(size_t start);

  std::string_view original_;
  Source source_;
  std::vector<size_t> line_starts_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  bool in_tag_ = false;
  int curly_depth_ = 0;
};

Position Lexer::position_of(size_t pos) const {
  const size_t offset = pos < source_.origin.size() ? source_.origin[pos] : original_.size();
  const auto line = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset) - line_starts_.begin();
  const size_t line_start = line_starts_[static_cast<size_t>(line - 1)];
  const size_t column = code_point_count(original_.substr(line_start, offset - line_start)) + 1;
  return {static_cast<int>(line), static_cast<int>(column)};
}

Status Lexer::error(size_t pos, const std::string& message) const {
  const Position at = position_of(pos);
  return invalid_argument("template syntax error at ", at.line, ":", at.column, ": ", message);
}

void Lexer::push(TokenKind kind, std::string text, size_t start) {
  Token token;
  token.kind = kind;
  token.text = std::move(text);
  token.position = position_of(start);
  tokens_.push_back(std::move(token));
}

void Lexer::strip_last_text() {
  if (tokens_.empty() || tokens_.back().kind != TokenKind::kText) return;
  tokens_.back().text = trim(tokens_.back().text, TrimSide::kRight);
  if (tokens_.back().text.empty()) tokens_.pop_back();
}

void Lexer::skip_unicode_space() {
  while (pos_ < src().size()) {
    size_t length = 1;
    if (!is_unicode_space(decode_code_point(src(), pos_, &length))) break;
    pos_ += length;
  }
}

Status Lexer::lex_string(size_t start) {
  const char quote = src()[pos_++];
  std::string value;
  while (true) {
    if (pos_ >= src().size()) return error(start, "unterminated string literal");
    const char c = src()[pos_];
    if (c == quote) break;
    if (c != '\\') {
      value.push_back(c);
      ++pos_;
      continue;
    }
    if (pos_ + 1 >= src().size()) return error(start, "unterminated string literal");
    const char escaped = src()[pos_ + 1];
    pos_ += 2;
    switch (escaped) {
      case 'n': value.push_back('\n'); break;
      case 't': value.push_back('\t'); break;
      case 'r': value.push_back('\r'); break;
      case 'b': value.push_back('\b'); break;
      case 'f': value.push_back('\f'); break;
      case 'v': value.push_back('\v'); break;
      case '0': value.push_back('\0'); break;
      case '\'': case '"': case '\\': value.push_back(escaped); break;
      case '\n': break;  // a backslash-newline continues the literal
      case 'x': case 'u': case 'U': {
        const size_t digits = escaped == 'x' ? 2 : (escaped == 'u' ? 4 : 8);
        uint32_t code_point = 0;
        for (size_t i = 0; i < digits; ++i) {
          const char h = pos_ + i < src().size() ? src()[pos_ + i] : '\0';
          const int nibble = (h >= '0' && h <= '9') ? h - '0'
                             : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                             : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
          if (nibble < 0) return error(pos_ - 2, std::string("invalid \\") + escaped + " escape");
          code_point = code_point * 16 + static_cast<uint32_t>(nibble);
        }
        pos_ += digits;
        // A UTF-16 surrogate pair written as two \u escapes is one character.
        if (code_point >= 0xD800 && code_point < 0xDC00 && at("\\u")) {
          uint32_t low = 0;
          bool ok = pos_ + 6 <= src().size();
          for (size_t i = 0; ok && i < 4; ++i) {
            const char h = src()[pos_ + 2 + i];
            const int nibble = (h >= '0' && h <= '9') ? h - '0'
                               : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                               : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
            ok = nibble >= 0;
            low = low * 16 + static_cast<uint32_t>(nibble);
          }
          if (ok && low >= 0xDC00 && low < 0xE000) {
            code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
            pos_ += 6;
          }
        }
        if ((code_point >= 0xD800 && code_point < 0xE000) || code_point > 0x10FFFF) code_point = 0xFFFD;
        append_utf8(value, code_point);
        break;
      }
      default:  // Python keeps unknown escapes as written
        value.push_back('\\');
        value.push_back(escaped);
    }
  }
  ++pos_;  // closing quote
  push(TokenKind::kString, std::move(value), start);
  return {};
}

Status Lexer::lex_number(size_t start) {
  const auto is_digit = [&](size_t i) { return i < src().size() && src()[i] >= '0' && src()[i] <= '9'; };
  while (is_digit(pos_)) ++pos_;
  const bool after_dot = !tokens_.empty() && tokens_.back().kind == TokenKind::kOperator && tokens_.back().text == ".";
  bool is_float = false;
  if (!after_dot && pos_ < src().size() && src()[pos_] == '.' && is_digit(pos_ + 1)) {
    is_float = true;
    ++pos_;
    while (is_digit(pos_)) ++pos_;
  }
  const std::string text = src().substr(start, pos_ - start);
  push(is_float ? TokenKind::kFloat : TokenKind::kInteger, text, start);
  if (is_float) {
    tokens_.back().number = std::strtod(text.c_str(), nullptr);
  } else {
    errno = 0;
    const long long value = std::strtoll(text.c_str(), nullptr, 10);
    if (errno == ERANGE) return error(start, "integer literal out of range");
    tokens_.back().integer = value;
  }
  return {};
}

Result<std::vector<Token>> Lexer::run() {
  static constexpr std::string_view kOperators[] = {
      "<=", ">=", "==", "!=", "**", "//", "(", ")", "[", "]", ",", ".", ":", "|",
      "<", ">", "+", "-", "~", "*", "/", "%", "="};
  while (pos_ < src().size()) {
    if (!in_tag_) {
      const size_t start = pos_;
      while (pos_ < src().size() &&
             !(src()[pos_] == '{' && pos_ + 1 < src().size() &&
               (src()[pos_ + 1] == '%' || src()[pos_ + 1] == '{' || src()[pos_ + 1] == '#'))) {
        ++pos_;
      }
      if (pos_ > start) push(TokenKind::kText, src().substr(start, pos_ - start), start);
      if (pos_ >= src().size()) break;
    }
    const size_t start = pos_;
    if (!in_tag_ && at("{#")) {
      pos_ += 2;
      const bool strip_before = pos_ < src().size() && src()[pos_] == '-';
      const size_t close = src().find("#}", pos_);
      if (close == std::string::npos) return error(start, "unterminated comment");
      const bool strip_after = close > pos_ && src()[close - 1] == '-';
      if (strip_before) strip_last_text();
      pos_ = close + 2;
      if (strip_after) skip_unicode_space();
      continue;
    }
    if (!in_tag_) {
      const bool statement = at("{%");
      push(statement ? TokenKind::kOpenStatement : TokenKind::kOpenExpression, statement ? "{%" : "{{", start);
      if (src().compare(pos_ + 2, 1, "-") == 0) {
        tokens_.pop_back();
        strip_last_text();
        push(statement ? TokenKind::kOpenStatement : TokenKind::kOpenExpression, statement ? "{%" : "{{", start);
        ++pos_;
      }
      pos_ += 2;
      in_tag_ = true;
      curly_depth_ = 0;
      continue;
    }
    skip_unicode_space();
    if (pos_ >= src().size()) break;
    const size_t token_start = pos_;
    if (at("-%}") || at("-}}")) {
      const bool statement = at("-%}");
      push(statement ? TokenKind::kCloseStatement : TokenKind::kCloseExpression, statement ? "%}" : "}}", token_start);
      pos_ += 3;
      in_tag_ = false;
      skip_unicode_space();
      continue;
    }
    if (at("%}") || (at("}}") && curly_depth_ == 0)) {
      const bool statement = at("%}");
      push(statement ? TokenKind::kCloseStatement : TokenKind::kCloseExpression, statement ? "%}" : "}}", token_start);
      pos_ += 2;
      in_tag_ = false;
      continue;
    }
    const char c = src()[pos_];
    if (c == '{' || c == '}') {
      curly_depth_ += c == '{' ? 1 : -1;
      push(TokenKind::kOperator, std::string(1, c), token_start);
      ++pos_;
      continue;
    }
    if (c == '\'' || c == '"') {
      TRY(lex_string(token_start));
      continue;
    }
    if (c >= '0' && c <= '9') {
      TRY(lex_number(token_start));
      continue;
    }
    if (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      while (pos_ < src().size()) {
        const char w = src()[pos_];
        if (!(w == '_' || (w >= 'a' && w <= 'z') || (w >= 'A' && w <= 'Z') || (w >= '0' && w <= '9'))) break;
        ++pos_;
      }
      push(TokenKind::kName, src().substr(token_start, pos_ - token_start), token_start);
      continue;
    }
    bool matched = false;
    for (std::string_view op : kOperators) {  // two-character operators come first
      if (at(op)) {
        push(TokenKind::kOperator, std::string(op), token_start);
        pos_ += op.size();
        matched = true;
        break;
      }
    }
    if (matched) continue;
    size_t length = 1;
    decode_code_point(src(), pos_, &length);
    return error(token_start, "unexpected character '" + src().substr(pos_, length) + "'");
  }
  if (in_tag_) return error(src().size(), "unexpected end of template inside a tag");
  Token end;
  end.position = position_of(src().size());
  tokens_.push_back(end);
  return std::move(tokens_);
}

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view source, const LexOptions& options) {
  if (source.size() > UINT32_MAX) return resource_exhausted("template larger than 4 GiB");
  Source text = strip_trailing_newline(source);
  if (options.lstrip_blocks) text = lstrip_blocks(text);
  if (options.trim_blocks) text = trim_blocks(text);
  text = remove_generation_tags(text);
  Lexer lexer(source, std::move(text));
  return lexer.run();
}

std::string describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::kText: return "text";
    case TokenKind::kOpenStatement: return "'{%'";
    case TokenKind::kCloseStatement: return "'%}'";
    case TokenKind::kOpenExpression: return "'{{'";
    case TokenKind::kCloseExpression: return "'}}'";
    case TokenKind::kName: return "name '" + token.text + "'";
    case TokenKind::kString: return "string literal";
    case TokenKind::kInteger:
    case TokenKind::kFloat: return "number";
    case TokenKind::kOperator: return "'" + token.text + "'";
    case TokenKind::kEnd: return "end of template";
  }
  return "token";
}

}  // namespace loom::jinja
