// GrammarBuilder and the lowering of its expression trees into the flat Grammar
// the matcher runs: groups, repetition and multi-byte classes become extra rules.
#include "sample/grammar.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "base/utf8.h"

namespace loom::sample {

namespace {

int utf8_length(uint32_t codepoint) {
  return codepoint < 0x80 ? 1 : codepoint < 0x800 ? 2 : codepoint < 0x10000 ? 3 : 4;
}

// Splits [first, last] (same encoded length) until every piece is a cartesian
// product of per-position byte ranges, then emits one class sequence per piece.
void split_same_length(uint32_t first, uint32_t last, std::vector<std::vector<ByteClass>>& out) {
  const int length = utf8_length(first);
  for (int tail = 1; tail < length; ++tail) {
    const uint32_t mask = (uint32_t{1} << (6 * tail)) - 1;
    if ((first & ~mask) == (last & ~mask)) continue;
    if ((first & mask) != 0) {
      split_same_length(first, first | mask, out);
      split_same_length((first | mask) + 1, last, out);
      return;
    }
    if ((last & mask) != mask) {
      split_same_length(first, (last & ~mask) - 1, out);
      split_same_length(last & ~mask, last, out);
      return;
    }
  }
  std::string low, high;
  append_utf8(low, first);
  append_utf8(high, last);
  std::vector<ByteClass> sequence(low.size());
  for (size_t i = 0; i < low.size(); ++i) {
    sequence[i].add_range(static_cast<uint8_t>(low[i]), static_cast<uint8_t>(high[i]));
  }
  out.push_back(std::move(sequence));
}

}  // namespace

std::vector<std::vector<ByteClass>> utf8_sequences(uint32_t first, uint32_t last) {
  std::vector<std::vector<ByteClass>> out;
  last = std::min<uint32_t>(last, 0x10FFFF);
  // Surrogates are not scalar values: cut them out of the range.
  if (first <= 0xDFFF && last >= 0xD800) {
    if (first < 0xD800) {
      auto low = utf8_sequences(first, 0xD7FF);
      out.insert(out.end(), low.begin(), low.end());
    }
    if (last > 0xDFFF) {
      auto high = utf8_sequences(0xE000, last);
      out.insert(out.end(), high.begin(), high.end());
    }
    return out;
  }
  const uint32_t boundaries[] = {0x7F, 0x7FF, 0xFFFF, 0x10FFFF};
  uint32_t start = first;
  for (uint32_t boundary : boundaries) {
    if (start > last) break;
    if (start > boundary) continue;
    const uint32_t end = std::min(last, boundary);
    split_same_length(start, end, out);
    start = end + 1;
  }
  return out;
}

GrammarBuilder::Expr GrammarBuilder::add_node(Node node) {
  nodes_.push_back(std::move(node));
  return static_cast<Expr>(nodes_.size() - 1);
}

GrammarBuilder::Expr GrammarBuilder::literal(std::string_view bytes) {
  Node node;
  node.kind = NodeKind::kSeq;
  for (char byte : bytes) {
    ByteClass byte_class;
    byte_class.add(static_cast<uint8_t>(byte));
    node.children.push_back(this->bytes(byte_class));
  }
  return add_node(std::move(node));
}

GrammarBuilder::Expr GrammarBuilder::bytes(const ByteClass& byte_class) {
  Node node;
  node.kind = NodeKind::kBytes;
  node.byte_class = byte_class;
  return add_node(std::move(node));
}

GrammarBuilder::Expr GrammarBuilder::chars(std::vector<CodepointRange> ranges, bool negated) {
  std::sort(ranges.begin(), ranges.end(),
            [](const CodepointRange& a, const CodepointRange& b) { return a.first < b.first; });
  if (negated) {
    std::vector<CodepointRange> complement;
    uint32_t next = 0;
    for (const CodepointRange& range : ranges) {
      if (range.first > next) complement.push_back({next, range.first - 1});
      next = std::max(next, range.last + 1);
    }
    if (next <= 0x10FFFF) complement.push_back({next, 0x10FFFF});
    ranges = std::move(complement);
  }
  // One-byte code points merge into a single class; longer ones become sequences.
  ByteClass ascii;
  bool has_ascii = false;
  std::vector<Expr> options;
  for (const CodepointRange& range : ranges) {
    for (const auto& sequence : utf8_sequences(range.first, range.last)) {
      if (sequence.size() == 1) {
        for (int word = 0; word < 4; ++word) ascii.bits[word] |= sequence[0].bits[word];
        has_ascii = true;
        continue;
      }
      std::vector<Expr> parts;
      for (const ByteClass& byte_class : sequence) parts.push_back(bytes(byte_class));
      options.push_back(seq(std::move(parts)));
    }
  }
  if (has_ascii) options.insert(options.begin(), bytes(ascii));
  if (options.empty()) return bytes(ByteClass{});  // matches nothing
  return options.size() == 1 ? options[0] : alt(std::move(options));
}

GrammarBuilder::Expr GrammarBuilder::seq(std::vector<Expr> parts) {
  Node node;
  node.kind = NodeKind::kSeq;
  node.children = std::move(parts);
  return add_node(std::move(node));
}

GrammarBuilder::Expr GrammarBuilder::alt(std::vector<Expr> options) {
  CHECK(!options.empty());
  if (options.size() == 1) return options[0];
  Node node;
  node.kind = NodeKind::kAlt;
  node.children = std::move(options);
  return add_node(std::move(node));
}

GrammarBuilder::Expr GrammarBuilder::repeat(Expr inner, int min_count, int max_count) {
  CHECK(min_count >= 0 && (max_count == kUnbounded || max_count >= min_count));
  Node node;
  node.kind = NodeKind::kRepeat;
  node.children = {inner};
  node.min_count = min_count;
  node.max_count = max_count;
  return add_node(std::move(node));
}

GrammarBuilder::Expr GrammarBuilder::ref(RuleId rule) {
  CHECK(rule >= 0 && rule < static_cast<RuleId>(rules_.size()));
  Node node;
  node.kind = NodeKind::kRef;
  node.rule = rule;
  return add_node(std::move(node));
}

GrammarBuilder::RuleId GrammarBuilder::declare(std::string_view name) {
  const RuleId existing = find_rule(name);
  if (existing >= 0) return existing;
  RuleDecl decl;
  decl.name = std::string(name);
  rules_.push_back(std::move(decl));
  return static_cast<RuleId>(rules_.size() - 1);
}

void GrammarBuilder::define(RuleId rule, Expr body) {
  CHECK(rule >= 0 && rule < static_cast<RuleId>(rules_.size()));
  rules_[rule].body = body;
  ++rules_[rule].definitions;
}

GrammarBuilder::RuleId GrammarBuilder::add_rule(std::string_view name, Expr body) {
  const RuleId rule = declare(name);
  define(rule, body);
  return rule;
}

bool GrammarBuilder::has_rule(std::string_view name) const { return find_rule(name) >= 0; }

GrammarBuilder::RuleId GrammarBuilder::find_rule(std::string_view name) const {
  for (size_t rule = 0; rule < rules_.size(); ++rule) {
    if (rules_[rule].name == name) return static_cast<RuleId>(rule);
  }
  return -1;
}

std::string GrammarBuilder::unique_name(std::string_view base) {
  if (!has_rule(base)) return std::string(base);
  for (int suffix = 2;; ++suffix) {
    std::string name = str_cat(base, "-", suffix);
    if (!has_rule(name)) return name;
  }
}

// Lowers builder expressions into Grammar alternatives (see grammar.h).
class GrammarLowering {
 public:
  using Element = Grammar::Element;
  using Kind = Grammar::Kind;
  using Sequence = std::vector<Element>;

  explicit GrammarLowering(const GrammarBuilder& builder) : builder_(builder) {}

  Result<Grammar> run(GrammarBuilder::RuleId root) {
    grammar_.root = rule_for(root);
    while (!pending_.empty()) {
      const GrammarBuilder::RuleId rule = pending_.back();
      pending_.pop_back();
      const auto& decl = builder_.rules_[rule];
      if (decl.definitions == 0) return invalid_argument("rule '", decl.name, "' is used but never defined");
      if (decl.definitions > 1) return invalid_argument("rule '", decl.name, "' is defined more than once");
      current_name_ = decl.name;
      alternatives_[mapped_[rule]] = lower_alternatives(decl.body);
    }
    flatten();
    TRY(check_left_recursion());
    return std::move(grammar_);
  }

 private:
  int32_t rule_for(GrammarBuilder::RuleId rule) {
    auto found = mapped_.find(rule);
    if (found != mapped_.end()) return found->second;
    const int32_t index = new_rule(builder_.rules_[rule].name);
    mapped_[rule] = index;
    pending_.push_back(rule);
    return index;
  }

  int32_t new_rule(std::string name) {
    Grammar::Rule rule;
    rule.name = std::move(name);
    grammar_.rules.push_back(std::move(rule));
    alternatives_.emplace_back();
    return static_cast<int32_t>(grammar_.rules.size() - 1);
  }

  int32_t synthetic_rule(std::vector<Sequence> alternatives) {
    std::string name;
    do {
      name = str_cat(current_name_, "-", ++synthetic_count_);
    } while (builder_.has_rule(name));
    const int32_t rule = new_rule(std::move(name));
    alternatives_[rule] = std::move(alternatives);
    return rule;
  }

  int32_t class_index(const ByteClass& byte_class) {
    auto [found, inserted] = class_ids_.try_emplace(byte_class.bits, static_cast<int32_t>(grammar_.classes.size()));
    if (inserted) grammar_.classes.push_back(byte_class);
    return found->second;
  }

  std::vector<Sequence> lower_alternatives(GrammarBuilder::Expr expr) {
    const auto& node = builder_.nodes_[expr];
    std::vector<Sequence> out;
    if (node.kind == GrammarBuilder::NodeKind::kAlt) {
      for (GrammarBuilder::Expr child : node.children) {
        for (Sequence& sequence : lower_alternatives(child)) out.push_back(std::move(sequence));
      }
      return out;
    }
    out.emplace_back();
    lower_into(expr, out.back());
    return out;
  }

  void lower_into(GrammarBuilder::Expr expr, Sequence& out) {
    const auto& node = builder_.nodes_[expr];
    switch (node.kind) {
      case GrammarBuilder::NodeKind::kBytes:
        out.push_back({Kind::kBytes, class_index(node.byte_class)});
        return;
      case GrammarBuilder::NodeKind::kSeq:
        for (GrammarBuilder::Expr child : node.children) lower_into(child, out);
        return;
      case GrammarBuilder::NodeKind::kAlt:
        out.push_back({Kind::kRule, synthetic_rule(lower_alternatives(expr))});
        return;
      case GrammarBuilder::NodeKind::kRef:
        out.push_back({Kind::kRule, rule_for(node.rule)});
        return;
      case GrammarBuilder::NodeKind::kRepeat:
        lower_repeat(node, out);
        return;
    }
  }

  void lower_repeat(const GrammarBuilder::Node& node, Sequence& out) {
    Sequence inner;
    lower_into(node.children[0], inner);
    Element unit;
    if (inner.size() == 1) {
      unit = inner[0];
    } else {
      unit = {Kind::kRule, synthetic_rule({inner})};
    }
    for (int count = 0; count < node.min_count; ++count) out.push_back(unit);
    if (node.max_count == GrammarBuilder::kUnbounded) {
      // star ::= unit star | ""  (right recursion: the matcher never loops on it)
      const int32_t star = synthetic_rule({});
      alternatives_[star] = {Sequence{unit, {Kind::kRule, star}}, Sequence{}};
      out.push_back({Kind::kRule, star});
      return;
    }
    // up-to-k ::= unit up-to-(k-1) | ""  nested, so k optional copies cost k rules.
    int32_t tail = -1;
    for (int count = 1; count <= node.max_count - node.min_count; ++count) {
      Sequence first{unit};
      if (tail >= 0) first.push_back({Kind::kRule, tail});
      tail = synthetic_rule({first, Sequence{}});
    }
    if (tail >= 0) out.push_back({Kind::kRule, tail});
  }

  void flatten() {
    for (size_t rule = 0; rule < alternatives_.size(); ++rule) {
      for (const Sequence& sequence : alternatives_[rule]) {
        grammar_.rules[rule].alternatives.push_back(static_cast<int32_t>(grammar_.elements.size()));
        grammar_.elements.insert(grammar_.elements.end(), sequence.begin(), sequence.end());
        grammar_.elements.push_back({Kind::kEnd, 0});
      }
    }
  }

  Status check_left_recursion() {
    const size_t rule_count = alternatives_.size();
    std::vector<bool> nullable(rule_count, false);
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t rule = 0; rule < rule_count; ++rule) {
        if (nullable[rule]) continue;
        for (const Sequence& sequence : alternatives_[rule]) {
          bool all = true;
          for (const Element& element : sequence) {
            if (element.kind == Kind::kBytes || !nullable[element.id]) { all = false; break; }
          }
          if (all) { nullable[rule] = true; changed = true; break; }
        }
      }
    }
    // Left corners: rules reachable at the start of an alternative.
    std::vector<std::vector<int32_t>> corners(rule_count);
    for (size_t rule = 0; rule < rule_count; ++rule) {
      for (const Sequence& sequence : alternatives_[rule]) {
        for (const Element& element : sequence) {
          if (element.kind == Kind::kBytes) break;
          corners[rule].push_back(element.id);
          if (!nullable[element.id]) break;
        }
      }
    }
    std::vector<int> color(rule_count, 0);  // 0 new, 1 on the path, 2 done
    for (size_t start = 0; start < rule_count; ++start) {
      if (color[start] != 0) continue;
      std::vector<std::pair<int32_t, size_t>> path{{static_cast<int32_t>(start), 0}};
      color[start] = 1;
      while (!path.empty()) {
        auto& [rule, next] = path.back();
        if (next == corners[rule].size()) { color[rule] = 2; path.pop_back(); continue; }
        const int32_t corner = corners[rule][next++];
        if (color[corner] == 1) {
          return invalid_argument("left recursion: rule '", grammar_.rules[corner].name,
                                  "' can reach itself without consuming input");
        }
        if (color[corner] == 0) { color[corner] = 1; path.push_back({corner, 0}); }
      }
    }
    return {};
  }

  const GrammarBuilder& builder_;
  Grammar grammar_;
  std::vector<std::vector<Sequence>> alternatives_;
  std::map<GrammarBuilder::RuleId, int32_t> mapped_;
  std::map<std::array<uint64_t, 4>, int32_t> class_ids_;
  std::vector<GrammarBuilder::RuleId> pending_;
  std::string current_name_;
  int synthetic_count_ = 0;
};

Result<Grammar> GrammarBuilder::build(RuleId root) const {
  CHECK(root >= 0 && root < static_cast<RuleId>(rules_.size()));
  return GrammarLowering(*this).run(root);
}

namespace {

void append_byte_text(uint8_t byte, bool in_class, std::string& out) {
  const bool special = in_class ? (byte == ']' || byte == '-' || byte == '^') : byte == '"';
  if (byte == '\\' || special) {
    out += '\\';
    out += static_cast<char>(byte);
  } else if (byte >= 0x20 && byte < 0x7F) {
    out += static_cast<char>(byte);
  } else {
    static const char kHex[] = "0123456789ABCDEF";
    out += "\\x";
    out += kHex[byte >> 4];
    out += kHex[byte & 15];
  }
}

int single_byte(const ByteClass& byte_class) {
  int found = -1;
  for (int byte = 0; byte < 256; ++byte) {
    if (!byte_class.has(static_cast<uint8_t>(byte))) continue;
    if (found >= 0) return -1;
    found = byte;
  }
  return found;
}

}  // namespace

std::string Grammar::to_text() const {
  std::string out;
  for (const Rule& rule : rules) {
    out += rule.name + " ::=";
    for (size_t alt = 0; alt < rule.alternatives.size(); ++alt) {
      out += alt == 0 ? " " : " | ";
      bool in_literal = false;
      bool empty = true;
      for (int32_t pos = rule.alternatives[alt]; elements[pos].kind != Kind::kEnd; ++pos) {
        const Element& element = elements[pos];
        const int byte = element.kind == Kind::kBytes ? single_byte(classes[element.id]) : -1;
        if (byte >= 0) {
          if (!in_literal) out += empty ? "\"" : " \"";
          in_literal = true;
          append_byte_text(static_cast<uint8_t>(byte), false, out);
        } else {
          if (in_literal) out += '"';
          in_literal = false;
          if (!empty) out += ' ';
          if (element.kind == Kind::kRule) {
            out += rules[element.id].name;
          } else {
            out += '[';
            for (int first = 0; first < 256; ++first) {
              if (!classes[element.id].has(static_cast<uint8_t>(first))) continue;
              int last = first;
              while (last < 255 && classes[element.id].has(static_cast<uint8_t>(last + 1))) ++last;
              append_byte_text(static_cast<uint8_t>(first), true, out);
              if (last > first) {
                out += '-';
                append_byte_text(static_cast<uint8_t>(last), true, out);
              }
              first = last;
            }
            out += ']';
          }
        }
        empty = false;
      }
      if (in_literal) out += '"';
      if (empty) out += "\"\"";
    }
    out += '\n';
  }
  return out;
}

}  // namespace loom::sample
