// request_seed DIR: seeds the request fuzzer with the bodies real clients sent
// (shared/fixtures/clients/*-request*.json, read at run time: Codex CLI, the
// openai SDKs, the Agents SDK) and a few small bodies of its own. Each seed is
// one route byte (0 chat, 1 responses) followed by the JSON body.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace {

bool write_seed(const std::filesystem::path& path, char route, const std::string& body) {
  std::ofstream file(path, std::ios::binary);
  file << route << body;
  return static_cast<bool>(file);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: request_seed DIR\n");
    return 2;
  }
  const std::filesystem::path out = argv[1];
  int written = 0;
  const char* own[][2] = {
      {"c", R"({"model":"m","messages":[{"role":"user","content":"hi"}]})"},
      {"c", R"({"model":"m","messages":[{"role":"developer","content":[{"type":"text","text":"x"}]},{"role":"user","content":"q"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":{"type":"string"}}}}}],"tool_choice":{"type":"function","function":{"name":"f"}},"logprobs":true,"top_logprobs":2,"response_format":{"type":"json_schema","json_schema":{"name":"s","schema":{"type":"object"}}},"stop":["\n"],"seed":3,"stream":true,"stream_options":{"include_usage":true}})"},
      {"r", R"({"model":"m","input":"hi","include":["message.output_text.logprobs"],"top_logprobs":1})"},
      {"r", R"({"model":"m","instructions":"be brief","input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"x"}]},{"type":"function_call","call_id":"c","name":"f","arguments":"{}"},{"type":"function_call_output","call_id":"c","output":"ok"},{"type":"reasoning","summary":[],"encrypted_content":"e"}],"tools":[{"type":"custom","name":"p"},{"type":"web_search"}],"tool_choice":{"type":"custom","name":"p"},"reasoning":{"effort":"low"},"text":{"format":{"type":"json_object"}}})"},
  };
  for (const auto& [route, body] : own) written += write_seed(out / ("own-" + std::to_string(written)), route[0] == 'r' ? '\1' : '\0', body);

  const std::filesystem::path fixtures = LOOM_FIXTURES_DIR "/clients";
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(fixtures, error)) {
    const std::string name = entry.path().filename().string();
    if (name.find("request") == std::string::npos || entry.path().extension() != ".json") continue;
    std::ifstream file(entry.path(), std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    const nlohmann::json capture = nlohmann::json::parse(text.str(), nullptr, false);
    if (!capture.is_object() || !capture.contains("body") || !capture["body"].is_object()) continue;
    const std::string path = capture.value("path", "");
    const char route = path.find("responses") != std::string::npos ? '\1' : '\0';
    written += write_seed(out / name, route, capture["body"].dump());
  }
  if (error) std::fprintf(stderr, "request_seed: no client fixtures at %s (own seeds only)\n", fixtures.c_str());
  std::fprintf(stderr, "request_seed: %d seeds\n", written);
  return written > 0 ? 0 : 1;
}
