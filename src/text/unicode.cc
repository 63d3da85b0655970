// NFC composition, Unicode character classes and the GPT-2 byte alphabet.
#include "text/unicode.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <vector>

#include "base/status.h"
#include "text/unicode_nfc_tables.h"

namespace loom::text {

// ---- NFC ------------------------------------------------------------------

namespace {

constexpr char32_t kHangulSyllableBase = 0xAC00, kHangulLeadBase = 0x1100;
constexpr char32_t kHangulVowelBase = 0x1161, kHangulTrailBase = 0x11A7;
constexpr int kHangulVowelCount = 21, kHangulTrailCount = 28;
constexpr int kHangulSyllableCount = 11172;

uint8_t combining_class(char32_t code_point) {
  if (code_point < 0x300) return 0;
  using nfc_tables::kCombiningClasses;
  const auto* end = kCombiningClasses + nfc_tables::kCombiningClassesSize;
  const auto* it = std::upper_bound(kCombiningClasses, end, code_point,
                                    [](char32_t cp, const auto& range) { return cp < range.first; });
  if (it == kCombiningClasses) return 0;
  --it;
  return code_point <= it->last ? static_cast<uint8_t>(it->combining_class) : 0;
}

void decompose(char32_t code_point, std::vector<char32_t>& out) {
  if (code_point >= kHangulSyllableBase && code_point < kHangulSyllableBase + kHangulSyllableCount) {
    const int index = static_cast<int>(code_point - kHangulSyllableBase);
    out.push_back(kHangulLeadBase + index / (kHangulVowelCount * kHangulTrailCount));
    out.push_back(kHangulVowelBase + (index % (kHangulVowelCount * kHangulTrailCount)) / kHangulTrailCount);
    if (index % kHangulTrailCount != 0) out.push_back(kHangulTrailBase + index % kHangulTrailCount);
    return;
  }
  using nfc_tables::kDecompositions;
  const auto* end = kDecompositions + nfc_tables::kDecompositionsSize;
  const auto* it = std::lower_bound(kDecompositions, end, code_point,
                                    [](const auto& entry, char32_t cp) { return entry.code_point < cp; });
  if (code_point < 0xC0 || it == end || it->code_point != code_point) {
    out.push_back(code_point);
    return;
  }
  decompose(it->first, out);
  if (it->second != 0) decompose(it->second, out);
}

std::optional<char32_t> compose_pair(char32_t first, char32_t second) {
  if (first >= kHangulLeadBase && first < kHangulLeadBase + 19 && second >= kHangulVowelBase &&
      second < kHangulVowelBase + kHangulVowelCount) {
    return kHangulSyllableBase +
           ((first - kHangulLeadBase) * kHangulVowelCount + (second - kHangulVowelBase)) * kHangulTrailCount;
  }
  if (first >= kHangulSyllableBase && first < kHangulSyllableBase + kHangulSyllableCount &&
      (first - kHangulSyllableBase) % kHangulTrailCount == 0 && second > kHangulTrailBase &&
      second < kHangulTrailBase + kHangulTrailCount) {
    return first + (second - kHangulTrailBase);
  }
  using nfc_tables::kCompositions;
  const auto* end = kCompositions + nfc_tables::kCompositionsSize;
  const auto* it = std::lower_bound(kCompositions, end, std::pair{first, second}, [](const auto& entry, auto key) {
    return entry.first < key.first || (entry.first == key.first && entry.second < key.second);
  });
  if (it == end || it->first != first || it->second != second) return std::nullopt;
  return it->code_point;
}

// Canonical ordering then canonical composition of one decomposed run.
void compose_into(std::vector<char32_t>& chars, std::string& out) {
  // Stable sort of each maximal run of non-starters by combining class.
  for (size_t start = 0; start < chars.size();) {
    if (combining_class(chars[start]) == 0) {
      ++start;
      continue;
    }
    size_t end = start;
    while (end < chars.size() && combining_class(chars[end]) != 0) ++end;
    std::stable_sort(chars.begin() + start, chars.begin() + end,
                     [](char32_t a, char32_t b) { return combining_class(a) < combining_class(b); });
    start = end;
  }
  size_t starter = SIZE_MAX;  // index in `kept` of the last starter
  std::vector<char32_t> kept;
  kept.reserve(chars.size());
  for (char32_t code_point : chars) {
    const int cls = combining_class(code_point);
    if (starter != SIZE_MAX) {
      // Blocked when a character in between is a starter or has a class >= ours.
      const int last_class = combining_class(kept.back());
      const bool adjacent = kept.size() == starter + 1;
      if (adjacent || (last_class != 0 && last_class < cls)) {
        if (auto composite = compose_pair(kept[starter], code_point)) {
          kept[starter] = *composite;
          continue;
        }
      }
    }
    if (cls == 0) starter = kept.size();
    kept.push_back(code_point);
  }
  for (char32_t code_point : kept) append_utf8(out, code_point);
}

}  // namespace

std::string to_nfc(std::string_view text) {
  bool simple = true;
  for (size_t pos = 0; pos < text.size() && simple;) {
    if (static_cast<uint8_t>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    simple = decode_utf8(text, pos) < 0x300;
  }
  if (simple) return std::string(text);
  std::string out;
  out.reserve(text.size());
  std::vector<char32_t> run;
  for (size_t pos = 0; pos < text.size();) {
    const char32_t code_point = decode_utf8(text, pos);
    // A starter that cannot combine with anything before it ends the run
    // (ASCII is the common case).
    if (code_point < 0x300 && !run.empty() && combining_class(code_point) == 0 && code_point < 0x80) {
      compose_into(run, out);
      run.clear();
    }
    decompose(code_point, run);
  }
  compose_into(run, out);
  return out;
}

bool is_unicode_whitespace(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

bool is_unicode_alphanumeric(char32_t code_point) {
  if (code_point < 0x80) {
    return (code_point >= '0' && code_point <= '9') || ((code_point | 0x20) >= 'a' && (code_point | 0x20) <= 'z');
  }
  // One compiled class, shared; match data per call keeps this thread-safe.
  static pcre2_code* const kClass = [] {
    int error = 0;
    PCRE2_SIZE offset = 0;
    const char* pattern = "[\\p{Alphabetic}\\p{N}]";
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern), PCRE2_ZERO_TERMINATED,
                                     PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED, &error, &offset, nullptr);
    CHECK(code != nullptr);
    return code;
  }();
  std::string encoded;
  append_utf8(encoded, code_point);
  pcre2_match_data* match = pcre2_match_data_create(1, nullptr);
  const int rc = pcre2_match(kClass, reinterpret_cast<PCRE2_SPTR>(encoded.data()), encoded.size(), 0, 0, match, nullptr);
  pcre2_match_data_free(match);
  return rc >= 0;
}

// ---- byte-level alphabet ----------------------------------------------------

ByteLevelAlphabet::ByteLevelAlphabet() {
  char_to_byte_.fill(-1);
  int next_extra = 0;
  for (int byte = 0; byte < 256; ++byte) {
    const bool printable = (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) || (byte >= 0xAE);
    const char32_t mapped = printable ? static_cast<char32_t>(byte) : static_cast<char32_t>(256 + next_extra++);
    byte_to_char_[byte] = mapped;
    char_to_byte_[mapped] = static_cast<int16_t>(byte);
  }
}

const ByteLevelAlphabet& ByteLevelAlphabet::get() {
  static const ByteLevelAlphabet kAlphabet;
  return kAlphabet;
}

std::optional<uint8_t> ByteLevelAlphabet::byte_of(char32_t code_point) const {
  if (code_point >= char_to_byte_.size() || char_to_byte_[code_point] < 0) return std::nullopt;
  return static_cast<uint8_t>(char_to_byte_[code_point]);
}

std::optional<std::string> ByteLevelAlphabet::decode(std::string_view mapped) const {
  std::string bytes;
  bytes.reserve(mapped.size());
  for (size_t pos = 0; pos < mapped.size();) {
    const auto byte = byte_of(decode_utf8(mapped, pos));
    if (!byte) return std::nullopt;
    bytes.push_back(static_cast<char>(*byte));
  }
  return bytes;
}

std::string ByteLevelAlphabet::encode(std::string_view bytes) const {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char byte : bytes) append_utf8(out, byte_to_char_[static_cast<uint8_t>(byte)]);
  return out;
}

}  // namespace loom::text
