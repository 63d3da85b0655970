// Batch access to the @huggingface/jinja oracle (tests/oracle/jinja_render.mjs):
// one node process renders many (template, context) cases.
#pragma once

#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/oracle.h"

namespace loom::testing {

struct OracleResult {
  bool ok = false;
  std::string output;  // or the error message
};

// `request` is the JSON jinja_render.mjs reads. Returns one result per case;
// an empty vector when node fails.
inline std::vector<OracleResult> run_jinja_oracle(const nlohmann::ordered_json& request) {
  const std::string path = "/tmp/loom_jinja_oracle_" + std::to_string(::getpid()) + "_" +
                           std::to_string(reinterpret_cast<uintptr_t>(&request)) + ".json";
  {
    std::ofstream file(path);
    file << request.dump();
  }
  const CommandOutput result = run_oracle("jinja_render.mjs", "'" + path + "'");
  std::remove(path.c_str());
  std::vector<OracleResult> results;
  if (result.exit_code != 0) return results;
  const nlohmann::json parsed = nlohmann::json::parse(result.out, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_array()) return results;
  for (const auto& item : parsed) {
    OracleResult entry;
    entry.ok = item.contains("output");
    entry.output = entry.ok ? item["output"].get<std::string>() : item.value("error", std::string());
    results.push_back(std::move(entry));
  }
  return results;
}

}  // namespace loom::testing
