// The chat message model: OpenAI Chat Completions messages parsed once at the
// edge into typed structs, with errors that name the JSON path of the bad field.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace loom::chat {

enum class Role { kSystem, kDeveloper, kUser, kAssistant, kTool };

std::string_view role_name(Role role);
Result<Role> parse_role(std::string_view name);

// One part of an array-shaped `content`.
struct ContentPart {
  enum class Type { kText, kImageUrl, kInputAudio, kRefusal };
  Type type = Type::kText;
  std::string text;          // kText, kRefusal
  std::string url;           // kImageUrl: http(s) or data: URL
  std::string detail;        // kImageUrl: "auto" | "low" | "high" | "" (absent)
  std::string audio_data;    // kInputAudio: base64
  std::string audio_format;  // kInputAudio: "wav" | "mp3"
};

// A function call the assistant made. `arguments` is JSON text, kept exactly
// as the model (or the client) wrote it.
struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;
  bool operator==(const ToolCall&) const = default;
};

// How `content` was spelled, so that to_json gives back the client's shape.
enum class ContentForm { kNull, kString, kParts };

struct Message {
  Role role = Role::kUser;
  ContentForm content_form = ContentForm::kNull;
  std::vector<ContentPart> content;  // kString: exactly one text part
  std::string name;                  // optional participant name ("" = absent)
  std::string reasoning_content;     // assistant: the reasoning the model produced
  std::string refusal;               // assistant: "" = null
  std::vector<ToolCall> tool_calls;  // assistant
  std::string tool_call_id;          // tool: the call this message answers

  // The concatenated text (and refusal) parts: what a text-only template sees.
  std::string text() const;
  bool has_media() const;
};

// `json` is one message object; `path` names it in errors ("messages[2]").
Result<Message> message_from_json(const nlohmann::json& json, std::string_view path);
// `json` is the request's `messages` array.
Result<std::vector<Message>> messages_from_json(const nlohmann::json& json);
// Parses `messages` JSON text (the array), for tools and tests.
Result<std::vector<Message>> parse_messages(std::string_view json_text);

nlohmann::json message_to_json(const Message& message);
nlohmann::json messages_to_json(const std::vector<Message>& messages);

// dump() that never throws: invalid UTF-8 is replaced with U+FFFD.
std::string dump_json(const nlohmann::json& json, int indent = -1);

}  // namespace loom::chat
