// JSONL transcript writing, loading for --resume, and session lookup.
#include "agent/transcript.h"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <random>

namespace loom::agent {

namespace fs = std::filesystem;
using nlohmann::json;

Result<TranscriptWriter> TranscriptWriter::open(const fs::path& path) {
  std::error_code error;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), error);
  if (error) return failed_precondition("cannot create ", path.parent_path().string(), ": ", error.message());
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) return failed_precondition("cannot open transcript ", path.string(), " for writing");
  return TranscriptWriter(path, file);
}

Status TranscriptWriter::write(json event) {
  event["time"] = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  // Invalid UTF-8 from a command's output must not stop the record.
  const std::string line = event.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  if (std::fwrite(line.data(), 1, line.size(), file_.get()) != line.size() || std::fflush(file_.get()) != 0)
    return failed_precondition("cannot write transcript ", path_.string());
  return {};
}

Status TranscriptWriter::write_item(const Item& item) {
  return write({{"type", "item"}, {"item", item_to_json(item)}});
}

Result<SessionRecord> load_transcript(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot open transcript ", path.string());
  SessionRecord record;
  std::string line;
  size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    json event = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (event.is_discarded() || !event.is_object()) {
      // A run killed mid-write leaves a partial last line; anything else is corruption.
      if (in.peek() == EOF) break;
      return data_loss(path.string(), ":", line_number, ": not a JSON object");
    }
    const json type = event.value("type", json());
    if (type == "session_start") {
      if (event.contains("id") && event["id"].is_string()) record.id = event["id"];
      if (event.contains("task") && event["task"].is_string()) record.task = event["task"];
      if (event.contains("workspace") && event["workspace"].is_string()) record.workspace = event["workspace"];
    } else if (type == "item") {
      record.items.push_back(TRY(item_from_json(event.value("item", json()))));
      record.ended = false;
    } else if (type == "usage") {
      record.usage += usage_from_json(event.value("usage", json()));
    } else if (type == "compaction") {
      const json items = event.value("items", json());
      if (!items.is_array()) return data_loss(path.string(), ":", line_number, ": compaction without items");
      record.items.clear();
      for (const auto& item : items) record.items.push_back(TRY(item_from_json(item)));
    } else if (type == "session_end") {
      record.ended = true;
      if (event.contains("reason") && event["reason"].is_string()) record.end_reason = event["reason"];
    }
  }
  if (record.items.empty()) return data_loss(path.string(), " holds no conversation to resume");
  return record;
}

fs::path default_sessions_dir() {
  if (const char* loom_home = std::getenv("LOOM_HOME"); loom_home != nullptr && *loom_home != '\0')
    return fs::path(loom_home) / "sessions";
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr ? home : ".") / ".loom" / "sessions";
}

std::string new_session_id() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &utc);
  std::random_device random;
  char suffix[16];
  std::snprintf(suffix, sizeof(suffix), "%06x", random() & 0xffffff);
  return str_cat(stamp, "-", suffix);
}

Result<fs::path> find_transcript(const std::string& reference, const fs::path& sessions_dir) {
  std::error_code error;
  if (!reference.empty()) {
    if (fs::is_regular_file(reference, error)) return fs::path(reference);
    const fs::path by_id = sessions_dir / (reference + ".jsonl");
    if (fs::is_regular_file(by_id, error)) return by_id;
    return not_found("no session '", reference, "' (neither a file nor an id in ", sessions_dir.string(), ")");
  }
  fs::path newest;
  fs::file_time_type newest_time{};
  for (const auto& entry : fs::directory_iterator(sessions_dir, error)) {
    if (entry.path().extension() != ".jsonl") continue;
    const auto time = entry.last_write_time(error);
    if (!error && (newest.empty() || time > newest_time)) {
      newest = entry.path();
      newest_time = time;
    }
  }
  if (newest.empty()) return not_found("no sessions in ", sessions_dir.string(), " to resume");
  return newest;
}

}  // namespace loom::agent
