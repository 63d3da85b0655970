// API keys: who may call the server, under which name /metrics reports them,
// and the limits each one has. Loaded from the --api-keys file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace loom::server {

struct KeyLimits {
  int64_t requests_per_minute = 0;  // 0: unlimited
  int64_t tokens_per_minute = 0;    // prompt + completion tokens; 0: unlimited
  size_t max_body_bytes = 0;        // 0: only the server-wide limit
};

struct ApiKey {
  std::string secret;  // what the client sends as Authorization: Bearer SECRET
  std::string name;    // the label in /metrics and in messages; never the secret
  KeyLimits limits;
};

// The key file: one key per line, then optional settings, all separated by
// spaces; '#' starts a comment line, blank lines are skipped:
//   sk-alice-123  name=alice  rpm=60  tpm=100000  max_body_kb=512
//   sk-bob-456                            (name: key-2, the line's key number)
// Names are [A-Za-z0-9_.-] and unique.
Result<std::vector<ApiKey>> parse_api_keys(std::string_view text, std::string_view source);
Result<std::vector<ApiKey>> load_api_keys(const std::string& path);

}  // namespace loom::server
