// Request features and the auto router's rules (see router.h).
#include "reasoning/router.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>

namespace loom::reasoning {
namespace {

// Three numbers in one request (a time, a distance, a speed) ask for arithmetic.
constexpr int kMathMinNumbers = 3;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::vector<std::string> words_of(std::string_view lowered) {
  std::vector<std::string> words;
  std::string word;
  for (char c : lowered) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '\'' || c == '+' || c == '#') {
      word += c;
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

bool has_phrase(std::string_view text, std::initializer_list<std::string_view> phrases) {
  return std::any_of(phrases.begin(), phrases.end(),
                     [&](std::string_view phrase) { return text.find(phrase) != std::string_view::npos; });
}

bool has_word(const std::set<std::string>& words, std::initializer_list<std::string_view> wanted) {
  return std::any_of(wanted.begin(), wanted.end(), [&](std::string_view w) { return words.count(std::string(w)); });
}

int count_phrases(std::string_view text, std::initializer_list<std::string_view> phrases) {
  return static_cast<int>(std::count_if(phrases.begin(), phrases.end(), [&](std::string_view phrase) {
    return text.find(phrase) != std::string_view::npos;
  }));
}

int count_numbers(std::string_view text) {
  int count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i])) &&
        (i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1])))) {
      ++count;
      while (i + 1 < text.size() && (std::isdigit(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '.' ||
                                     text[i + 1] == ',')) {
        ++i;
      }
    }
  }
  return count;
}

// Exception and error class names (ZeroDivisionError, NullPointerException),
// compiler diagnostics and runtime failure banners.
bool looks_like_stack_trace(std::string_view original, std::string_view lowered) {
  static const std::regex kErrorName(R"(\b[A-Z][A-Za-z]*(Error|Exception)\b|\berror\[E\d+\]|\bSIG[A-Z]{3,})");
  if (std::regex_search(original.begin(), original.end(), kErrorName)) return true;
  return has_phrase(lowered, {"traceback (most recent call last)", "\tat ", "\n    at ", "panic:", "fatal error:",
                              "segmentation fault", "error:", "warning:", "failed ", "core dumped"});
}

std::string text_of(const nlohmann::ordered_json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (content.is_array()) {
    for (const auto& part : content) {
      if (part.is_object() && part.contains("text") && part["text"].is_string()) {
        out += part["text"].get<std::string>() + "\n";
      }
    }
  }
  return out;
}

}  // namespace

std::string_view request_kind_name(RequestKind kind) {
  switch (kind) {
    case RequestKind::kSmallTalk: return "small_talk";
    case RequestKind::kQuestion: return "question";
    case RequestKind::kTransform: return "transform";
    case RequestKind::kCode: return "code";
    case RequestKind::kMath: return "math";
    case RequestKind::kDebug: return "debug";
    case RequestKind::kProof: return "proof";
  }
  return "unknown";
}

RequestFeatures extract_text_features(std::string_view last_user, int32_t tool_count, int32_t conversation_depth) {
  RequestFeatures f;
  const std::string text = lower(last_user);
  const std::vector<std::string> word_list = words_of(text);
  const std::set<std::string> words(word_list.begin(), word_list.end());
  f.last_user_chars = static_cast<int32_t>(last_user.size());
  f.last_user_words = static_cast<int32_t>(word_list.size());
  f.tool_count = tool_count;
  f.conversation_depth = conversation_depth;

  static const std::regex kCodeLine(R"((^|\n)\s*(def |class |fn |func |function |#include|import |return |SELECT |for \(|if \()|[;{}]\s*(\n|$)|=>)");
  f.has_code = text.find("```") != std::string::npos || std::regex_search(last_user.begin(), last_user.end(), kCodeLine);
  const bool code_verb = has_word(words, {"write", "implement", "refactor", "rename", "add", "convert", "update",
                                          "make", "rewrite", "fix", "port", "optimize", "optimise"});
  const bool code_noun = has_word(words, {"function", "script", "sql", "query", "regex", "class", "method",
                                          "variable", "component", "handler", "python", "javascript", "typescript",
                                          "c++", "rust", "go", "java", "bash", "pytest", "api", "docstring"}) ||
                         has_phrase(text, {"regular expression", "unit test"});
  f.mentions_code = code_verb && code_noun;
  f.has_stack_trace = looks_like_stack_trace(last_user, text);
  const bool debug_words = has_word(words, {"crash", "crashes", "deadlock", "deadlocks", "leak", "bug", "fails",
                                            "failing", "throw", "throws", "segfault", "debug", "broken"});
  f.has_math = text.find('^') != std::string::npos ||
               has_word(words, {"solve", "integral", "derivative", "equation", "compute", "calculate", "probability",
                                "compounded", "interest", "sum"}) ||
               count_numbers(text) >= kMathMinNumbers;
  f.asks_proof = has_word(words, {"prove", "proof", "lemma", "theorem"}) || has_phrase(text, {"show that"});
  f.rigor_words = count_phrases(text, {"rigorous", "every lemma", "every step", "counterexample", "prove or disprove",
                                       "characterise", "characterize", "complete proof", "generalises", "generalizes"});
  const bool transform = has_word(words, {"summarize", "summarise", "summary", "tl;dr", "tldr", "translate",
                                          "rewrite", "proofread", "condense", "paraphrase", "shorten"});
  const bool small_talk = has_word(words, {"hi", "hello", "hey", "thanks", "thank", "morning", "bye"});

  if (f.asks_proof) f.kind = RequestKind::kProof;
  else if (f.has_stack_trace || (debug_words && (f.has_code || f.mentions_code))) f.kind = RequestKind::kDebug;
  else if (f.has_code || f.mentions_code) f.kind = RequestKind::kCode;
  else if (transform) f.kind = RequestKind::kTransform;
  else if (f.has_math) f.kind = RequestKind::kMath;
  else if (small_talk && f.last_user_words <= 6) f.kind = RequestKind::kSmallTalk;
  else f.kind = RequestKind::kQuestion;
  return f;
}

RequestFeatures extract_features(const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools) {
  std::string last_user;
  int32_t user_turns = 0;
  if (messages.is_array()) {
    for (const auto& message : messages) {
      if (!message.is_object() || message.value("role", "") != "user") continue;
      ++user_turns;
      if (message.contains("content")) last_user = text_of(message["content"]);
    }
  }
  const int32_t tool_count = tools.is_array() ? static_cast<int32_t>(tools.size()) : 0;
  return extract_text_features(last_user, tool_count, std::max(0, user_turns - 1));
}

nlohmann::ordered_json RequestFeatures::to_json() const {
  return {{"last_user_chars", last_user_chars}, {"last_user_words", last_user_words},
          {"kind", std::string(request_kind_name(kind))}, {"has_code", has_code},
          {"mentions_code", mentions_code}, {"has_stack_trace", has_stack_trace}, {"has_math", has_math},
          {"asks_proof", asks_proof}, {"rigor_words", rigor_words}, {"tool_count", tool_count},
          {"conversation_depth", conversation_depth}};
}

RouterDecision route(const RequestFeatures& f, const RouterConfig& config) {
  RouterDecision decision{.features = f};
  auto set = [&](Effort effort, std::string reason) {
    decision.effort = effort;
    decision.reasons.push_back(std::move(reason));
  };
  auto raise_to = [&](Effort effort, std::string reason) {
    if (effort <= decision.effort) return;
    decision.effort = effort;
    decision.reasons.push_back(std::move(reason));
  };
  switch (f.kind) {
    case RequestKind::kProof:
      if (f.last_user_words >= config.xhigh_proof_min_words || f.rigor_words >= 2) {
        set(Effort::kXHigh, str_cat("long or demanding proof (", f.last_user_words, " words, ", f.rigor_words,
                                    " rigor cues)"));
      } else {
        set(Effort::kHigh, "asks for a proof");
      }
      break;
    case RequestKind::kDebug:
      set(Effort::kHigh, f.has_stack_trace ? "stack trace or error output" : "debugging code");
      break;
    case RequestKind::kCode: set(Effort::kMedium, f.has_code ? "contains code" : "asks for code"); break;
    case RequestKind::kMath: set(Effort::kMedium, "math or a multi-number calculation"); break;
    case RequestKind::kTransform: set(Effort::kLow, "summary, rewrite or translation"); break;
    case RequestKind::kSmallTalk: set(Effort::kMinimal, "small talk"); break;
    case RequestKind::kQuestion:
      if (f.last_user_words <= config.small_talk_max_words) {
        set(Effort::kMinimal, str_cat("short question (", f.last_user_words, " words)"));
      } else {
        set(Effort::kLow, str_cat("open question (", f.last_user_words, " words)"));
      }
      break;
  }
  if (f.tool_count >= config.many_tools) raise_to(Effort::kHigh, str_cat(f.tool_count, " tools: agentic task"));
  else if (f.tool_count >= config.some_tools) raise_to(Effort::kMedium, str_cat(f.tool_count, " tools"));
  else if (f.tool_count > 0) raise_to(Effort::kLow, str_cat(f.tool_count, " tool(s) offered"));
  if (f.conversation_depth >= config.deep_conversation &&
      (f.kind == RequestKind::kCode || f.kind == RequestKind::kDebug || f.kind == RequestKind::kMath)) {
    raise_to(static_cast<Effort>(std::min(static_cast<int>(decision.effort) + 1, static_cast<int>(Effort::kXHigh))),
             str_cat("deep conversation (", f.conversation_depth, " earlier turns)"));
  }
  if (decision.effort < config.floor) set(config.floor, "configured floor");
  if (decision.effort > config.ceiling) set(config.ceiling, "configured ceiling");
  return decision;
}

std::string RouterDecision::to_string() const {
  std::string out = str_cat("auto -> ", effort_name(effort), ":");
  for (size_t i = 0; i < reasons.size(); ++i) out += (i ? "; " : " ") + reasons[i];
  return out;
}

nlohmann::ordered_json RouterDecision::to_json() const {
  return {{"effort", std::string(effort_name(effort))}, {"reasons", reasons}, {"features", features.to_json()}};
}

Result<RouterConfig> parse_router_config(std::string_view json_text) {
  const auto json = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return invalid_argument("router config: not a JSON object");
  RouterConfig config;
  const std::pair<const char*, int32_t*> integers[] = {
      {"small_talk_max_words", &config.small_talk_max_words}, {"xhigh_proof_min_words", &config.xhigh_proof_min_words},
      {"many_tools", &config.many_tools}, {"some_tools", &config.some_tools},
      {"deep_conversation", &config.deep_conversation}};
  for (const auto& [key, value] : json.items()) {
    if (key == "floor" || key == "ceiling") {
      if (!value.is_string()) return invalid_argument("router config: ", key, " must be an effort name");
      const Effort effort = TRY(parse_effort(value.get<std::string>()));
      if (effort == Effort::kAuto) return invalid_argument("router config: ", key, " cannot be auto");
      (key == "floor" ? config.floor : config.ceiling) = effort;
      continue;
    }
    const std::string& name = key;  // clang cannot capture a structured binding
    auto field = std::find_if(std::begin(integers), std::end(integers), [&](const auto& e) { return name == e.first; });
    if (field == std::end(integers)) return invalid_argument("router config: unknown key '", key, "'");
    if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > (1 << 30)) {
      return invalid_argument("router config: ", key, " must be a non-negative integer");
    }
    *field->second = value.get<int32_t>();
  }
  return config;
}

}  // namespace loom::reasoning
