// Pre-tokenizer steps and the PCRE2 wrapper they run regexes on.
#include "text/pretokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>

namespace loom::text {
namespace {

// Per-thread matching state: match data and a JIT stack large enough for
// long inputs (the default 32 KiB overflows on megabyte-long runs).
struct MatchScratch {
  MatchScratch() {
    match_data = pcre2_match_data_create(1, nullptr);
    context = pcre2_match_context_create(nullptr);
    jit_stack = pcre2_jit_stack_create(64 * 1024, 16 * 1024 * 1024, nullptr);
    pcre2_jit_stack_assign(context, nullptr, jit_stack);
  }
  ~MatchScratch() {
    pcre2_jit_stack_free(jit_stack);
    pcre2_match_context_free(context);
    pcre2_match_data_free(match_data);
  }
  MatchScratch(const MatchScratch&) = delete;
  MatchScratch& operator=(const MatchScratch&) = delete;
  pcre2_match_data* match_data;
  pcre2_match_context* context;
  pcre2_jit_stack* jit_stack;
};

MatchScratch& match_scratch() {
  thread_local MatchScratch scratch;
  return scratch;
}

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  pcre2_get_error_message(code, buffer, sizeof(buffer));
  return reinterpret_cast<const char*>(buffer);
}

using Ranges = std::vector<std::pair<size_t, size_t>>;

// Literal occurrences of `pattern`, left to right, non-overlapping.
void find_literal(std::string_view text, std::string_view pattern, Ranges& matches) {
  if (pattern.empty()) return;
  for (size_t pos = 0; (pos = text.find(pattern, pos)) != std::string_view::npos; pos += pattern.size()) {
    matches.emplace_back(pos, pos + pattern.size());
  }
}

// Splits `piece` at `matches` the way Hugging Face's NormalizedString::split
// does for each behavior; empty results are dropped.
void split_by_matches(std::string_view piece, const Ranges& matches, SplitBehavior behavior, bool invert,
                      std::vector<std::string_view>& out) {
  struct Part {
    size_t start, end;
    bool is_match;
  };
  std::vector<Part> parts;
  size_t previous_end = 0;
  for (const auto& [start, end] : matches) {
    if (previous_end < start) parts.push_back({previous_end, start, invert});
    parts.push_back({start, end, !invert});
    previous_end = end;
  }
  if (previous_end < piece.size()) parts.push_back({previous_end, piece.size(), invert});

  std::vector<std::pair<size_t, size_t>> merged;
  switch (behavior) {
    case SplitBehavior::kRemoved:
      for (const Part& part : parts)
        if (!part.is_match) merged.emplace_back(part.start, part.end);
      break;
    case SplitBehavior::kIsolated:
      for (const Part& part : parts) merged.emplace_back(part.start, part.end);
      break;
    case SplitBehavior::kContiguous: {
      bool previous_match = false;
      for (const Part& part : parts) {
        if (part.is_match && previous_match && !merged.empty()) merged.back().second = part.end;
        else merged.emplace_back(part.start, part.end);
        previous_match = part.is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithPrevious: {
      bool previous_match = false;
      for (const Part& part : parts) {
        if (part.is_match && !previous_match && !merged.empty()) merged.back().second = part.end;
        else merged.emplace_back(part.start, part.end);
        previous_match = part.is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithNext: {
      bool previous_match = false;
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
        if (it->is_match && !previous_match && !merged.empty()) merged.back().first = it->start;
        else merged.emplace_back(it->start, it->end);
        previous_match = it->is_match;
      }
      std::reverse(merged.begin(), merged.end());
      break;
    }
  }
  for (const auto& [start, end] : merged) {
    if (start < end) out.push_back(piece.substr(start, end - start));
  }
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

void Regex::CodeDeleter::operator()(void* code) const { pcre2_code_free(static_cast<pcre2_code*>(code)); }

Result<Regex> Regex::compile(std::string_view pattern) {
  int error = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &error, &error_offset, nullptr);
  if (code == nullptr) {
    return invalid_argument("pre-tokenizer regex /", pattern, "/ at offset ", error_offset, ": ", pcre2_message(error));
  }
  // JIT is an accelerator only: the interpreter gives the same matches.
  (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  Regex regex;
  regex.code_.reset(code);
  regex.pattern_ = std::string(pattern);
  return regex;
}

Status Regex::find_all(std::string_view text, Ranges& matches) const {
  MatchScratch& scratch = match_scratch();
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t offset = 0;
  while (offset <= text.size()) {
    const int rc = pcre2_match(static_cast<pcre2_code*>(code_.get()), subject, text.size(), offset,
                               PCRE2_NO_UTF_CHECK, scratch.match_data, scratch.context);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) return resource_exhausted("pre-tokenizer regex failed: ", pcre2_message(rc));
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(scratch.match_data);
    const size_t start = ovector[0], end = ovector[1];
    if (end > start) {
      matches.emplace_back(start, end);
      offset = end;
    } else {
      // An empty match yields no piece; step over one whole character.
      if (start >= text.size()) break;
      offset = start + 1;
      while (offset < text.size() && (static_cast<uint8_t>(text[offset]) & 0xC0) == 0x80) ++offset;
    }
  }
  return Status::ok_status();
}

Result<PreTokenizer> PreTokenizer::create(std::vector<PreTokenizerStep> steps) {
  PreTokenizer pre_tokenizer;
  for (const PreTokenizerStep& step : steps) {
    std::unique_ptr<Regex> regex;
    using Kind = PreTokenizerStep::Kind;
    std::string_view pattern;
    if (step.kind == Kind::kSplit && step.is_regex) pattern = step.pattern;
    if (step.kind == Kind::kByteLevel && step.use_regex) pattern = kGpt2SplitPattern;
    if (step.kind == Kind::kDigits) pattern = step.individual_digits ? "\\p{N}" : "\\p{N}+";
    if (!pattern.empty()) regex = std::make_unique<Regex>(TRY(Regex::compile(pattern)));
    pre_tokenizer.regexes_.push_back(std::move(regex));
  }
  pre_tokenizer.steps_ = std::move(steps);
  return pre_tokenizer;
}

Status PreTokenizer::split(std::string_view text, bool at_text_start, std::vector<std::string_view>& pieces,
                           std::deque<std::string>& arena) const {
  pieces.clear();
  if (text.empty()) return Status::ok_status();
  pieces.push_back(text);
  std::vector<std::string_view> next;
  Ranges matches;
  for (size_t index = 0; index < steps_.size(); ++index) {
    const PreTokenizerStep& step = steps_[index];
    const Regex* regex = regexes_[index].get();
    next.clear();
    for (size_t piece_index = 0; piece_index < pieces.size(); ++piece_index) {
      std::string_view piece = pieces[piece_index];
      matches.clear();
      switch (step.kind) {
        case PreTokenizerStep::Kind::kSplit:
          if (regex != nullptr) TRY(regex->find_all(piece, matches));
          else find_literal(piece, step.pattern, matches);
          split_by_matches(piece, matches, step.behavior, step.invert, next);
          break;
        case PreTokenizerStep::Kind::kByteLevel:
          if (step.add_prefix_space && !starts_with(piece, " ")) {
            piece = arena.emplace_back(" " + std::string(piece));
          }
          if (regex != nullptr) {
            TRY(regex->find_all(piece, matches));
            split_by_matches(piece, matches, SplitBehavior::kIsolated, false, next);
          } else {
            next.push_back(piece);
          }
          break;
        case PreTokenizerStep::Kind::kDigits:
          TRY(regex->find_all(piece, matches));
          split_by_matches(piece, matches, SplitBehavior::kIsolated, false, next);
          break;
        case PreTokenizerStep::Kind::kMetaspace: {
          std::string replaced;
          for (char c : piece) {
            if (c == ' ') replaced += step.replacement;
            else replaced.push_back(c);
          }
          const bool prepend = step.prepend_scheme == PrependScheme::kAlways ||
                               (step.prepend_scheme == PrependScheme::kFirst && at_text_start && piece_index == 0);
          if (prepend && !starts_with(replaced, step.replacement)) replaced.insert(0, step.replacement);
          std::string_view stored = arena.emplace_back(std::move(replaced));
          if (step.split) {
            find_literal(stored, step.replacement, matches);
            split_by_matches(stored, matches, SplitBehavior::kMergedWithNext, false, next);
          } else {
            next.push_back(stored);
          }
          break;
        }
      }
    }
    pieces.swap(next);
  }
  return Status::ok_status();
}

}  // namespace loom::text
