// Curriculum task generation (see task.h).
#include "curriculum/task.h"

#include <charconv>
#include <numeric>
#include <optional>
#include <set>

#include "base/status.h"

namespace loom::curriculum {
namespace {

using nlohmann::ordered_json;

int64_t count_lines(const std::string& text) {
  int64_t lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

int64_t count_words(const std::string& text) {
  int64_t words = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

std::string plural(int64_t count, const std::string& noun) {
  return str_cat(count, " ", noun, count == 1 ? "" : "s");
}

std::string join_names(const std::vector<std::string>& names) {
  std::string text;
  for (size_t index = 0; index < names.size(); ++index) {
    if (index > 0) text += index + 1 == names.size() ? " and " : ", ";
    text += names[index];
  }
  return text;
}

SubQuestion shell_question(QuestionKind kind, std::string command, std::string output) {
  SubQuestion question;
  question.kind = kind;
  question.tool = "shell";
  question.arguments = {{"command", std::move(command)}};
  question.output = std::move(output);
  return question;
}

const std::string& phrase(Rng& rng, const std::vector<std::string>& options) { return rng.pick(options); }

std::string fill(std::string text, const std::string& name, const std::string& value) {
  const std::string marker = "{" + name + "}";
  for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + value.size()))
    text.replace(at, marker.size(), value);
  return text;
}

std::optional<SubQuestion> count_question(Rng& rng, const GeneratedFile& file, bool words) {
  const int64_t count = words ? count_words(file.content) : count_lines(file.content);
  const std::string flag = words ? "-w" : "-l";
  SubQuestion question = shell_question(words ? QuestionKind::kWordCount : QuestionKind::kLineCount,
                                        str_cat("wc ", flag, " ", file.path), str_cat(count, " ", file.path, "\n"));
  const std::string noun = words ? "word" : "line";
  question.question = fill(phrase(rng, words ? std::vector<std::string>{"How many words are in {f}?",
                                                                       "How many words does {f} contain?",
                                                                       "Count the words in {f}."}
                                             : std::vector<std::string>{"How many lines are in {f}?",
                                                                       "How many lines does {f} have?",
                                                                       "Count the lines of {f}."}),
                           "f", file.path);
  question.answer = str_cat(file.path, " has ", plural(count, noun), ".");
  question.expected = {std::to_string(count)};
  question.plan_step = str_cat("count the ", noun, "s of ", file.path, " with wc ", flag);
  question.check = str_cat("wc ", flag, " printed ", count, " for ", file.path);
  return question;
}

std::optional<SubQuestion> value_question(Rng& rng, const GeneratedFile& file) {
  // A random key=value line of the file.
  std::vector<std::string> lines;
  for (size_t start = 0; start < file.content.size();) {
    const size_t end = file.content.find('\n', start);
    lines.push_back(file.content.substr(start, end - start));
    start = end + 1;
  }
  const std::string& line = rng.pick(lines);
  const size_t equals = line.find('=');
  const std::string key = line.substr(0, equals), value = line.substr(equals + 1);
  SubQuestion question = shell_question(QuestionKind::kFindValue, str_cat("grep ", key, "= ", file.path), line + "\n");
  question.question = fill(fill(phrase(rng, {"What is the {k} in {f}?", "Which {k} is set in {f}?",
                                             "Find the value of {k} in {f}."}),
                                "k", key),
                           "f", file.path);
  question.answer = str_cat("The ", key, " in ", file.path, " is ", value, ".");
  question.expected = {value};
  question.plan_step = str_cat("find ", key, " in ", file.path, " with grep");
  question.check = str_cat("grep found ", line);
  return question;
}

std::optional<SubQuestion> folder_question(Rng& rng, const GeneratedWorkspace& workspace, const std::string& folder,
                                           bool count_only) {
  const std::vector<std::string> names = workspace.list(folder);
  if (names.empty()) return std::nullopt;
  if (count_only) {
    const int64_t count = static_cast<int64_t>(names.size());
    SubQuestion question =
        shell_question(QuestionKind::kCountFiles, str_cat("ls ", folder, " | wc -l"), str_cat(count, "\n"));
    question.question = fill(phrase(rng, {"How many files are in {d}?", "How many files does {d} hold?"}), "d", folder);
    question.answer = str_cat("There ", count == 1 ? "is " : "are ", plural(count, "file"), " in ", folder, ".");
    question.expected = {std::to_string(count)};
    question.plan_step = str_cat("count the files in ", folder, " with ls | wc -l");
    question.check = str_cat("wc -l counted ", count, " in ", folder);
    return question;
  }
  std::string listing;
  for (const std::string& name : names) listing += name + "\n";
  SubQuestion question = shell_question(QuestionKind::kListFiles, str_cat("ls ", folder), listing);
  question.question = fill(phrase(rng, {"Which files are in {d}?", "List the files in {d}.", "What files does {d} contain?"}),
                           "d", folder);
  question.answer = names.size() == 1 ? str_cat("The only file in ", folder, " is ", names[0], ".")
                                      : str_cat("The files in ", folder, " are ", join_names(names), ".");
  question.expected = names;
  question.plan_step = str_cat("list ", folder, " with ls");
  question.check = str_cat("ls printed ", join_names(names));
  return question;
}

std::optional<SubQuestion> note_question(Rng& rng, const GeneratedFile& file) {
  SubQuestion question = shell_question(QuestionKind::kReadNote, str_cat("cat ", file.path), file.content);
  std::string line = file.content;
  if (!line.empty() && line.back() == '\n') line.pop_back();
  question.question = fill(phrase(rng, {"What does {f} say?", "What is written in {f}?", "Show me what {f} says."}),
                           "f", file.path);
  question.answer = str_cat(file.path, " says: ", line);
  question.expected = {line};
  question.plan_step = str_cat("read ", file.path, " with cat");
  question.check = str_cat("cat printed one line of ", file.path);
  return question;
}

// Expressions whose exact value is an integer: the generator knows the result
// without a general evaluator; tests check it against the calculator tool.
std::optional<SubQuestion> arithmetic_question(Rng& rng) {
  std::string expression;
  int64_t value = 0;
  const int64_t a = rng.between(2, 999), b = rng.between(2, 999), c = rng.between(2, 99);
  switch (rng.below(7)) {
    case 0: expression = str_cat(a, " + ", b); value = a + b; break;
    case 1: expression = str_cat(a, " - ", b); value = a - b; break;
    case 2: expression = str_cat(a, " * ", c); value = a * c; break;
    case 3: expression = str_cat(a * c, " / ", c); value = a; break;
    case 4: expression = str_cat(a, " + ", b, " * ", c); value = a + b * c; break;
    case 5: expression = str_cat("(", a, " + ", b, ") * ", c); value = (a + b) * c; break;
    default: expression = str_cat(a, " % ", c); value = a % c; break;
  }
  SubQuestion question;
  question.kind = QuestionKind::kArithmetic;
  question.tool = "calculator";
  question.arguments = {{"expression", expression}};
  question.output = std::to_string(value);
  question.question = fill(phrase(rng, {"What is {e}?", "Compute {e}.", "Calculate {e}."}), "e", expression);
  question.answer = str_cat(expression, " = ", value, ".");
  question.expected = {std::to_string(value)};
  question.plan_step = str_cat("compute ", expression, " with the calculator");
  question.check = str_cat("the calculator returned ", value, " for ", expression);
  return question;
}

std::optional<SubQuestion> random_question(Rng& rng, const GeneratedWorkspace& workspace, const QuestionWeights& weights,
                                           std::string& subject) {
  std::vector<const GeneratedFile*> counted, configs, notes;
  for (const GeneratedFile& file : workspace.files) {
    if (file.kind == FileKind::kConfig) configs.push_back(&file);
    else counted.push_back(&file);
    if (file.kind == FileKind::kNote) notes.push_back(&file);
  }
  const int total = std::accumulate(weights.begin(), weights.end(), 0);
  int roll = static_cast<int>(rng.below(static_cast<uint64_t>(total)));
  int kind = 0;
  while (roll >= weights[kind]) roll -= weights[kind++];
  switch (static_cast<QuestionKind>(kind)) {
    case QuestionKind::kLineCount:
    case QuestionKind::kWordCount: {
      const bool words = kind == static_cast<int>(QuestionKind::kWordCount);
      const GeneratedFile* file = rng.pick(counted);
      subject = str_cat(words ? "words:" : "lines:", file->path);
      return count_question(rng, *file, words);
    }
    case QuestionKind::kFindValue: {
      const GeneratedFile* file = rng.pick(configs);
      subject = "value:" + file->path;
      return value_question(rng, *file);
    }
    case QuestionKind::kListFiles:
    case QuestionKind::kCountFiles: {
      const bool count_only = kind == static_cast<int>(QuestionKind::kCountFiles);
      const std::string& folder = rng.pick(workspace.folders);
      subject = "folder:" + folder;
      return folder_question(rng, workspace, folder, count_only);
    }
    case QuestionKind::kReadNote: {
      if (notes.empty()) return std::nullopt;
      const GeneratedFile* file = rng.pick(notes);
      subject = "note:" + file->path;
      return note_question(rng, *file);
    }
    case QuestionKind::kArithmetic:
      subject = str_cat("arithmetic:", rng.next());
      return arithmetic_question(rng);
  }
  return std::nullopt;
}

}  // namespace

std::string_view question_kind_name(QuestionKind kind) {
  switch (kind) {
    case QuestionKind::kLineCount: return "line_count";
    case QuestionKind::kWordCount: return "word_count";
    case QuestionKind::kFindValue: return "find_value";
    case QuestionKind::kListFiles: return "list_files";
    case QuestionKind::kCountFiles: return "count_files";
    case QuestionKind::kReadNote: return "read_note";
    case QuestionKind::kArithmetic: return "arithmetic";
  }
  return "unknown";
}

std::string_view task_effort_name(TaskEffort effort) {
  switch (effort) {
    case TaskEffort::kNone: return "none";
    case TaskEffort::kLow: return "low";
    case TaskEffort::kMedium: return "medium";
    case TaskEffort::kHigh: return "high";
  }
  return "medium";
}

Task generate_task(Rng& rng, const TaskOptions& options) {
  // All-zero weights would ask nothing and draw workspaces forever.
  CHECK(std::accumulate(options.weights.begin(), options.weights.end(), 0) > 0);
  Task task;
  // A workspace may lack what the weights ask for (a mix of only note
  // questions, and no note): draw another. The default mix always has
  // arithmetic, so this loops once.
  while (task.questions.empty()) {
    task.workspace = generate_workspace(rng);
    const int count = static_cast<int>(rng.between(options.min_questions, options.max_questions));
    std::set<std::string> subjects;
    for (int attempt = 0; attempt < 50 && static_cast<int>(task.questions.size()) < count; ++attempt) {
      std::string subject;
      std::optional<SubQuestion> question = random_question(rng, task.workspace, options.weights, subject);
      if (!question || !subjects.insert(subject).second) continue;
      task.questions.push_back(std::move(*question));
    }
  }
  for (const SubQuestion& question : task.questions) task.prompt += (task.prompt.empty() ? "" : " ") + question.question;
  const uint64_t roll = rng.below(100);
  task.effort = roll < 25 ? TaskEffort::kNone : roll < 50 ? TaskEffort::kLow : roll < 70 ? TaskEffort::kMedium : TaskEffort::kHigh;
  return task;
}

Status set_question_weight(std::string_view assignment, QuestionWeights& weights) {
  const size_t equals = assignment.find('=');
  const std::string_view name = assignment.substr(0, equals);
  std::string known;
  for (int kind = 0; kind < kQuestionKinds; ++kind) {
    const std::string_view kind_name = question_kind_name(static_cast<QuestionKind>(kind));
    known += str_cat(kind ? ", " : "", kind_name);
    if (kind_name != name || equals == std::string_view::npos) continue;
    const std::string_view value = assignment.substr(equals + 1);
    int weight = -1;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), weight);
    if (error != std::errc() || end != value.data() + value.size() || weight < 0 || weight > 1000) {
      return invalid_argument("question weight '", assignment, "': the weight must be an integer from 0 to 1000");
    }
    weights[kind] = weight;
    return {};
  }
  return invalid_argument("question weight '", assignment, "': expected KIND=WEIGHT with KIND one of ", known);
}

std::string shell_result_text(const std::string& output, int wall_tenths) {
  return str_cat("Exit code: 0\nWall time: ", wall_tenths / 10, ".", wall_tenths % 10, " seconds\nOutput:\n", output);
}

}  // namespace loom::curriculum
