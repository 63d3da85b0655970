// Transcript: the JSONL record of a session, one event per line, flushed as
// it happens so an interrupted run can be resumed. Events: session_start,
// item (every conversation item), usage, compaction (the conversation that
// replaces the old one), resume, session_end.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/conversation.h"
#include "base/status.h"

namespace loom::agent {

class TranscriptWriter {
 public:
  // Appends to `path`, creating it and its directory.
  static Result<TranscriptWriter> open(const std::filesystem::path& path);

  TranscriptWriter(TranscriptWriter&&) = default;
  TranscriptWriter& operator=(TranscriptWriter&&) = default;

  // Adds "time" (seconds since the epoch) and writes one line.
  Status write(nlohmann::json event);
  Status write_item(const Item& item);
  const std::filesystem::path& path() const { return path_; }

 private:
  struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
  };
  TranscriptWriter(std::filesystem::path path, std::FILE* file) : path_(std::move(path)), file_(file) {}
  std::filesystem::path path_;
  std::unique_ptr<std::FILE, FileCloser> file_;
};

// What a transcript says about a session, enough to continue it.
struct SessionRecord {
  std::string id{};
  std::string task{};
  std::string workspace{};
  std::vector<Item> items{};  // the conversation as it stood at the last event
  Usage usage{};              // summed over every model call
  bool ended = false;         // a session_end event was written
  std::string end_reason{};
};

Result<SessionRecord> load_transcript(const std::filesystem::path& path);

// ~/.loom/sessions (or $LOOM_HOME/sessions when set).
std::filesystem::path default_sessions_dir();
// A new session id: UTC time plus random hex, sortable by start time.
std::string new_session_id();
// `reference` is a path to a .jsonl file, a session id in `sessions_dir`, or
// empty for the most recently modified session there.
Result<std::filesystem::path> find_transcript(const std::string& reference, const std::filesystem::path& sessions_dir);

}  // namespace loom::agent
