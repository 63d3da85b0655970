// Chat Completions messages <-> Message: validation at the edge, every error
// naming the offending field by its JSON path.
#include "chat/message.h"

#include <array>
#include <utility>

namespace loom::chat {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<Role, std::string_view>, 5> kRoleNames = {{
    {Role::kSystem, "system"},
    {Role::kDeveloper, "developer"},
    {Role::kUser, "user"},
    {Role::kAssistant, "assistant"},
    {Role::kTool, "tool"},
}};

// A member that is absent or null counts as "not given".
const json* member(const json& object, std::string_view key) {
  auto found = object.find(key);
  if (found == object.end() || found->is_null()) return nullptr;
  return &*found;
}

// Reads an optional string member; error if present with another type.
Status read_string(const json& object, std::string_view key, std::string_view path, std::string& out) {
  const json* value = member(object, key);
  if (value == nullptr) return {};
  if (!value->is_string()) return invalid_argument(path, ".", key, " must be a string");
  out = value->get_ref<const std::string&>();
  return {};
}

Status require_string(const json& object, std::string_view key, std::string_view path, std::string& out) {
  if (member(object, key) == nullptr) return invalid_argument(path, ".", key, " is required");
  return read_string(object, key, path, out);
}

Result<ContentPart> part_from_json(const json& json_part, const std::string& path, Role role) {
  if (!json_part.is_object()) return invalid_argument(path, " must be an object");
  std::string type;
  TRY(require_string(json_part, "type", path, type));
  ContentPart part;
  const bool text_only = role == Role::kSystem || role == Role::kDeveloper || role == Role::kTool;
  if (type == "text") {
    part.type = ContentPart::Type::kText;
    TRY(require_string(json_part, "text", path, part.text));
    return part;
  }
  if (type == "refusal" && role == Role::kAssistant) {
    part.type = ContentPart::Type::kRefusal;
    TRY(require_string(json_part, "refusal", path, part.text));
    return part;
  }
  if (type == "image_url" && !text_only && role != Role::kAssistant) {
    part.type = ContentPart::Type::kImageUrl;
    const json* image = member(json_part, "image_url");
    if (image == nullptr) return invalid_argument(path, ".image_url is required");
    const std::string image_path = path + ".image_url";
    if (image->is_string()) {  // some clients send the URL directly
      part.url = image->get_ref<const std::string&>();
      return part;
    }
    if (!image->is_object()) return invalid_argument(image_path, " must be an object");
    TRY(require_string(*image, "url", image_path, part.url));
    TRY(read_string(*image, "detail", image_path, part.detail));
    if (!part.detail.empty() && part.detail != "auto" && part.detail != "low" && part.detail != "high")
      return invalid_argument(image_path, ".detail must be one of auto, low, high");
    return part;
  }
  if (type == "input_audio" && !text_only && role != Role::kAssistant) {
    part.type = ContentPart::Type::kInputAudio;
    const json* audio = member(json_part, "input_audio");
    if (audio == nullptr) return invalid_argument(path, ".input_audio is required");
    const std::string audio_path = path + ".input_audio";
    if (!audio->is_object()) return invalid_argument(audio_path, " must be an object");
    TRY(require_string(*audio, "data", audio_path, part.audio_data));
    TRY(require_string(*audio, "format", audio_path, part.audio_format));
    if (part.audio_format != "wav" && part.audio_format != "mp3")
      return invalid_argument(audio_path, ".format must be one of wav, mp3");
    return part;
  }
  return invalid_argument(path, ".type \"", type, "\" is not allowed in a ", role_name(role),
                          " message (allowed: ",
                          role == Role::kUser        ? "text, image_url, input_audio"
                          : role == Role::kAssistant ? "text, refusal"
                                                     : "text",
                          ")");
}

Status read_content(const json& object, const std::string& path, Message& message) {
  const json* content = member(object, "content");
  if (content == nullptr) {
    message.content_form = ContentForm::kNull;
    return {};
  }
  if (content->is_string()) {
    message.content_form = ContentForm::kString;
    ContentPart part;
    part.text = content->get<std::string>();
    message.content.push_back(std::move(part));
    return {};
  }
  if (!content->is_array()) return invalid_argument(path, ".content must be a string, an array of parts, or null");
  message.content_form = ContentForm::kParts;
  for (size_t index = 0; index < content->size(); ++index) {
    const std::string part_path = str_cat(path, ".content[", index, "]");
    message.content.push_back(TRY(part_from_json((*content)[index], part_path, message.role)));
  }
  return {};
}

Result<ToolCall> tool_call_from_json(const json& json_call, const std::string& path) {
  if (!json_call.is_object()) return invalid_argument(path, " must be an object");
  ToolCall call;
  TRY(require_string(json_call, "id", path, call.id));
  std::string type = "function";
  TRY(read_string(json_call, "type", path, type));
  if (type != "function") return invalid_argument(path, ".type must be \"function\"");
  const json* function = member(json_call, "function");
  if (function == nullptr) return invalid_argument(path, ".function is required");
  const std::string function_path = path + ".function";
  if (!function->is_object()) return invalid_argument(function_path, " must be an object");
  TRY(require_string(*function, "name", function_path, call.name));
  if (member(*function, "arguments") == nullptr) return invalid_argument(function_path, ".arguments is required");
  TRY(read_string(*function, "arguments", function_path, call.arguments));
  return call;
}

Status read_assistant_fields(const json& object, const std::string& path, Message& message) {
  TRY(read_string(object, "refusal", path, message.refusal));
  // "reasoning_content" is the field most servers echo; "reasoning" is its alias.
  TRY(read_string(object, "reasoning", path, message.reasoning_content));
  TRY(read_string(object, "reasoning_content", path, message.reasoning_content));
  if (const json* calls = member(object, "tool_calls")) {
    if (!calls->is_array()) return invalid_argument(path, ".tool_calls must be an array");
    for (size_t index = 0; index < calls->size(); ++index) {
      const std::string call_path = str_cat(path, ".tool_calls[", index, "]");
      message.tool_calls.push_back(TRY(tool_call_from_json((*calls)[index], call_path)));
    }
  }
  if (message.content_form == ContentForm::kNull && message.tool_calls.empty() && message.refusal.empty())
    return invalid_argument(path, ".content is required unless tool_calls or refusal is given");
  return {};
}

json part_to_json(const ContentPart& part) {
  switch (part.type) {
    case ContentPart::Type::kText: return {{"type", "text"}, {"text", part.text}};
    case ContentPart::Type::kRefusal: return {{"type", "refusal"}, {"refusal", part.text}};
    case ContentPart::Type::kImageUrl: {
      json image = {{"url", part.url}};
      if (!part.detail.empty()) image["detail"] = part.detail;
      return {{"type", "image_url"}, {"image_url", image}};
    }
    case ContentPart::Type::kInputAudio:
      return {{"type", "input_audio"}, {"input_audio", {{"data", part.audio_data}, {"format", part.audio_format}}}};
  }
  return {};
}

}  // namespace

std::string_view role_name(Role role) {
  for (const auto& [value, name] : kRoleNames)
    if (value == role) return name;
  return "unknown";
}

Result<Role> parse_role(std::string_view name) {
  for (const auto& [value, role_text] : kRoleNames)
    if (role_text == name) return value;
  return invalid_argument("unknown role \"", name, "\"");
}

std::string Message::text() const {
  std::string out;
  for (const ContentPart& part : content)
    if (part.type == ContentPart::Type::kText || part.type == ContentPart::Type::kRefusal) out += part.text;
  return out;
}

bool Message::has_media() const {
  for (const ContentPart& part : content)
    if (part.type == ContentPart::Type::kImageUrl || part.type == ContentPart::Type::kInputAudio) return true;
  return false;
}

Result<Message> message_from_json(const json& json_message, std::string_view path_view) {
  const std::string path(path_view);
  if (!json_message.is_object()) return invalid_argument(path, " must be an object");
  std::string role_text;
  TRY(require_string(json_message, "role", path, role_text));
  Result<Role> role = parse_role(role_text);
  if (!role.ok())
    return invalid_argument(path, ".role must be one of system, developer, user, assistant, tool (got \"",
                            role_text, "\")");
  Message message;
  message.role = *role;
  TRY(read_content(json_message, path, message));
  TRY(read_string(json_message, "name", path, message.name));
  switch (message.role) {
    case Role::kAssistant:
      TRY(read_assistant_fields(json_message, path, message));
      break;
    case Role::kTool:
      TRY(require_string(json_message, "tool_call_id", path, message.tool_call_id));
      [[fallthrough]];
    default:
      if (message.content_form == ContentForm::kNull) return invalid_argument(path, ".content is required");
      break;
  }
  return message;
}

Result<std::vector<Message>> messages_from_json(const json& json_messages) {
  if (!json_messages.is_array()) return invalid_argument("messages must be an array");
  if (json_messages.empty()) return invalid_argument("messages must contain at least one message");
  std::vector<Message> messages;
  messages.reserve(json_messages.size());
  for (size_t index = 0; index < json_messages.size(); ++index)
    messages.push_back(TRY(message_from_json(json_messages[index], str_cat("messages[", index, "]"))));
  return messages;
}

Result<std::vector<Message>> parse_messages(std::string_view json_text) {
  json parsed = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return invalid_argument("messages is not valid JSON");
  return messages_from_json(parsed);
}

json message_to_json(const Message& message) {
  json out = {{"role", role_name(message.role)}};
  switch (message.content_form) {
    case ContentForm::kNull: out["content"] = nullptr; break;
    case ContentForm::kString: out["content"] = message.text(); break;
    case ContentForm::kParts: {
      json parts = json::array();
      for (const ContentPart& part : message.content) parts.push_back(part_to_json(part));
      out["content"] = std::move(parts);
      break;
    }
  }
  if (!message.name.empty()) out["name"] = message.name;
  if (message.role == Role::kAssistant) {
    if (!message.refusal.empty()) out["refusal"] = message.refusal;
    if (!message.reasoning_content.empty()) out["reasoning_content"] = message.reasoning_content;
    if (!message.tool_calls.empty()) {
      json calls = json::array();
      for (const ToolCall& call : message.tool_calls)
        calls.push_back({{"id", call.id},
                         {"type", "function"},
                         {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
      out["tool_calls"] = std::move(calls);
    }
  }
  if (message.role == Role::kTool) out["tool_call_id"] = message.tool_call_id;
  return out;
}

json messages_to_json(const std::vector<Message>& messages) {
  json out = json::array();
  for (const Message& message : messages) out.push_back(message_to_json(message));
  return out;
}

std::string dump_json(const json& value, int indent) {
  return value.dump(indent, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace);
}

}  // namespace loom::chat
