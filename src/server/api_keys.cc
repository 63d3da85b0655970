// The API key file format (see api_keys.h).
#include "server/api_keys.h"

#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

namespace loom::server {
namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

Result<int64_t> parse_count(std::string_view value, std::string_view where) {
  int64_t number = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (error != std::errc() || end != value.data() + value.size() || number < 0)
    return invalid_argument(where, ": '", value, "' is not a non-negative integer");
  return number;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t' || line[pos] == '\r')) ++pos;
    const size_t start = pos;
    while (pos < line.size() && line[pos] != ' ' && line[pos] != '\t' && line[pos] != '\r') ++pos;
    if (pos > start) out.push_back(line.substr(start, pos - start));
  }
  return out;
}

Status apply_setting(std::string_view setting, std::string_view where, ApiKey& key) {
  const size_t equals = setting.find('=');
  if (equals == std::string_view::npos || equals == 0)
    return invalid_argument(where, ": expected name=, rpm=, tpm= or max_body_kb=, got '", setting, "'");
  const std::string_view option = setting.substr(0, equals);
  const std::string_view value = setting.substr(equals + 1);
  if (option == "name") {
    if (!valid_name(value)) return invalid_argument(where, ": key names are 1-64 characters of A-Z a-z 0-9 _ . -");
    key.name = std::string(value);
  } else if (option == "rpm") {
    key.limits.requests_per_minute = TRY(parse_count(value, where));
  } else if (option == "tpm") {
    key.limits.tokens_per_minute = TRY(parse_count(value, where));
  } else if (option == "max_body_kb") {
    key.limits.max_body_bytes = static_cast<size_t>(TRY(parse_count(value, where))) * 1024;
  } else {
    return invalid_argument(where, ": unknown setting '", option, "' (name, rpm, tpm, max_body_kb)");
  }
  return {};
}

}  // namespace

Result<std::vector<ApiKey>> parse_api_keys(std::string_view text, std::string_view source) {
  std::vector<ApiKey> keys;
  std::set<std::string> names, secrets;
  size_t line_number = 0;
  std::istringstream lines{std::string(text)};
  std::string line;
  while (std::getline(lines, line)) {
    ++line_number;
    const std::vector<std::string_view> parts = words(line);
    if (parts.empty() || parts[0][0] == '#') continue;
    const std::string where = str_cat(source, ":", line_number);
    ApiKey key{.secret = std::string(parts[0]), .name = str_cat("key-", keys.size() + 1)};
    for (size_t index = 1; index < parts.size(); ++index) TRY(apply_setting(parts[index], where, key));
    if (!secrets.insert(key.secret).second) return invalid_argument(where, ": the same key is listed twice");
    if (!names.insert(key.name).second) return invalid_argument(where, ": the name '", key.name, "' is used twice");
    keys.push_back(std::move(key));
  }
  if (keys.empty()) return invalid_argument("API key file ", source, " holds no keys");
  return keys;
}

Result<std::vector<ApiKey>> load_api_keys(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return not_found("cannot open API key file ", path);
  std::stringstream text;
  text << file.rdbuf();
  return parse_api_keys(text.str(), path);
}

}  // namespace loom::server
