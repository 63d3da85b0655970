// Turning values into text: what `{{ x }}` prints (following @huggingface/jinja,
// the reference for chat templates) and what `tojson` writes (Python's
// json.dumps with ensure_ascii=False, as Hugging Face transformers sets it).
#pragma once

#include <string>

#include "base/status.h"
#include "jinja/value.h"

namespace loom::jinja {

// Python's repr(float): shortest round-trip digits, "1.0", "1e-05", "1e+16".
std::string format_float(double value);

// `{{ value }}`: none and undefined print nothing, booleans print true/false,
// lists and dicts print as JSON (", " and ": " separators).
Status append_display(std::string& out, const Value& value);
Result<std::string> display_string(const Value& value);

struct JsonFormat {
  int indent = -1;  // < 0: single line
  std::string item_separator;  // empty: ", " (or "," when indenting)
  std::string key_separator;   // empty: ": "
  bool sort_keys = false;      // by code point, as Python sorts str keys
  bool ensure_ascii = false;
  bool undefined_as_null = true;  // false: print "undefined" (display of containers)
};

Status append_json(std::string& out, const Value& value, const JsonFormat& format, int depth = 0);
// A JSON string literal with the escapes json.dumps writes.
void append_json_string(std::string& out, const std::string& text, bool ensure_ascii);

}  // namespace loom::jinja
