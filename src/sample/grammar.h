// A context-free grammar over bytes: the compiled form the matcher runs, and the
// builder that JSON Schema, GBNF text and chat-format envelopes all produce it with.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace loom::sample {

// A set of bytes, 256 bits.
struct ByteClass {
  std::array<uint64_t, 4> bits{};

  bool has(uint8_t byte) const { return (bits[byte >> 6] >> (byte & 63)) & 1; }
  void add(uint8_t byte) { bits[byte >> 6] |= uint64_t{1} << (byte & 63); }
  void add_range(uint8_t first, uint8_t last) {
    for (int byte = first; byte <= last; ++byte) add(static_cast<uint8_t>(byte));
  }
  bool operator==(const ByteClass&) const = default;
};

// An inclusive range of Unicode code points, for UTF-8 aware character classes.
struct CodepointRange {
  uint32_t first = 0;
  uint32_t last = 0;
};

// The compiled grammar. Every rule is a list of alternatives; every alternative is
// a run of elements in `elements` ended by kEnd. Repetition, optional parts, nested
// groups and multi-byte character classes have been lowered into extra rules, so
// the matcher sees only byte classes and rule references.
struct Grammar {
  enum class Kind : uint8_t { kBytes, kRule, kEnd };
  struct Element {
    Kind kind = Kind::kEnd;
    int32_t id = 0;  // index into classes (kBytes) or rules (kRule)
  };
  struct Rule {
    std::string name;
    std::vector<int32_t> alternatives;  // start positions in elements
  };

  std::vector<ByteClass> classes;
  std::vector<Element> elements;
  std::vector<Rule> rules;
  int32_t root = 0;

  // GBNF-like text, one rule per line: for logs, docs and test failure messages.
  std::string to_text() const;
};

// Builds grammars from expressions. An Expr is a handle into this builder; rules
// can be declared before they are defined, so recursion is written naturally:
//   GrammarBuilder b;
//   RuleId value = b.declare("value");
//   b.define(value, b.alt({b.literal("1"), b.seq({b.literal("["), b.ref(value), b.literal("]")})}));
//   Result<Grammar> g = b.build(value);
class GrammarBuilder {
 public:
  using Expr = int32_t;
  using RuleId = int32_t;
  static constexpr int kUnbounded = -1;

  Expr literal(std::string_view bytes);
  Expr bytes(const ByteClass& byte_class);
  // A UTF-8 aware character class: matches the encoding of one code point in
  // `ranges` (or, negated, any valid code point outside them). Surrogates never match.
  Expr chars(std::vector<CodepointRange> ranges, bool negated = false);
  Expr seq(std::vector<Expr> parts);
  Expr alt(std::vector<Expr> options);
  Expr repeat(Expr inner, int min_count, int max_count);  // max_count may be kUnbounded
  Expr optional(Expr inner) { return repeat(inner, 0, 1); }
  Expr star(Expr inner) { return repeat(inner, 0, kUnbounded); }
  Expr plus(Expr inner) { return repeat(inner, 1, kUnbounded); }
  Expr empty() { return literal(""); }
  Expr ref(RuleId rule);

  // Declares a rule by name (returns the existing one if already declared).
  RuleId declare(std::string_view name);
  // Defines a declared rule; defining twice is an error reported by build().
  void define(RuleId rule, Expr body);
  RuleId add_rule(std::string_view name, Expr body);
  // A name not used yet, from `base` ("string" -> "string-2"), for generated rules.
  std::string unique_name(std::string_view base);
  bool has_rule(std::string_view name) const;
  RuleId find_rule(std::string_view name) const;  // -1 when absent
  const std::string& rule_name(RuleId rule) const { return rules_[rule].name; }

  // Lowers everything reachable from `root` into a Grammar. Fails on undefined or
  // doubly defined rules and on left recursion (which a pushdown matcher cannot run).
  Result<Grammar> build(RuleId root) const;

 private:
  enum class NodeKind : uint8_t { kBytes, kSeq, kAlt, kRepeat, kRef };
  struct Node {
    NodeKind kind = NodeKind::kSeq;
    ByteClass byte_class;
    std::vector<Expr> children;
    int32_t min_count = 0;
    int32_t max_count = 0;
    RuleId rule = -1;
  };
  struct RuleDecl {
    std::string name;
    Expr body = -1;
    int definitions = 0;
  };
  friend class GrammarLowering;

  Expr add_node(Node node);

  std::vector<Node> nodes_;
  std::vector<RuleDecl> rules_;
};

// UTF-8 encodings of the code points in [first, last] as sequences of byte
// classes (each sequence matches a contiguous block). Surrogates are skipped.
std::vector<std::vector<ByteClass>> utf8_sequences(uint32_t first, uint32_t last);

}  // namespace loom::sample
