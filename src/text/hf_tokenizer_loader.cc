// Hugging Face tokenizer.json -> TokenizerSpec. nlohmann::json is used without
// exceptions: every access checks the type first.
#include "text/hf_tokenizer_loader.h"

#include <nlohmann/json.hpp>

#include "base/mapped_file.h"
#include "text/tokenizer.h"

namespace loom::text {
namespace {

using json = nlohmann::json;

const json* member(const json& object, const std::string& key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::optional<std::string> string_member(const json& object, const std::string& key) {
  const json* value = member(object, key);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->get_ref<const std::string&>();
}

bool bool_member(const json& object, const std::string& key, bool fallback) {
  const json* value = member(object, key);
  return value != nullptr && value->is_boolean() ? value->get<bool>() : fallback;
}

int64_t int_member(const json& object, const std::string& key, int64_t fallback) {
  const json* value = member(object, key);
  return value != nullptr && value->is_number_integer() ? value->get<int64_t>() : fallback;
}

std::string type_of(const json& object) { return string_member(object, "type").value_or(""); }

// A Split or Replace pattern: {"String": "..."} or {"Regex": "..."}.
Result<std::pair<std::string, bool>> pattern_of(const json& object) {
  const json* pattern = member(object, "pattern");
  if (pattern == nullptr) return invalid_argument("missing \"pattern\"");
  if (auto text = string_member(*pattern, "String")) return std::pair{*text, false};
  if (auto regex = string_member(*pattern, "Regex")) return std::pair{*regex, true};
  return invalid_argument("pattern is neither String nor Regex");
}

// A token given as "text" or as {"content": "text", ...} (tokenizer_config.json).
std::optional<std::string> token_text(const json* value) {
  if (value == nullptr) return std::nullopt;
  if (value->is_string()) return value->get_ref<const std::string&>();
  return string_member(*value, "content");
}

Status parse_normalizer(const json& node, std::vector<NormalizerStep>& steps) {
  if (node.is_null()) return Status::ok_status();
  const std::string type = type_of(node);
  if (type == "Sequence") {
    const json* list = member(node, "normalizers");
    if (list == nullptr || !list->is_array()) return invalid_argument("normalizer Sequence without a list");
    for (const json& child : *list) TRY(parse_normalizer(child, steps));
  } else if (type == "NFC") {
    steps.push_back({NormalizerStep::Kind::kNfc, "", ""});
  } else if (type == "Replace") {
    auto [pattern, is_regex] = TRY(pattern_of(node));
    if (is_regex) return unimplemented("Replace normalizer with a regex pattern");
    steps.push_back({NormalizerStep::Kind::kReplace, pattern, string_member(node, "content").value_or("")});
  } else if (type == "Prepend") {
    steps.push_back({NormalizerStep::Kind::kPrepend, "", string_member(node, "prepend").value_or("")});
  } else {
    return unimplemented("normalizer type '", type, "'");
  }
  return Status::ok_status();
}

Result<PrependScheme> prepend_scheme_of(const json& node) {
  if (auto scheme = string_member(node, "prepend_scheme")) {
    if (*scheme == "always") return PrependScheme::kAlways;
    if (*scheme == "first") return PrependScheme::kFirst;
    if (*scheme == "never") return PrependScheme::kNever;
    return invalid_argument("unknown prepend_scheme '", *scheme, "'");
  }
  return bool_member(node, "add_prefix_space", true) ? PrependScheme::kAlways : PrependScheme::kNever;
}

Status parse_pre_tokenizer(const json& node, std::vector<PreTokenizerStep>& steps) {
  if (node.is_null()) return Status::ok_status();
  const std::string type = type_of(node);
  PreTokenizerStep step;
  if (type == "Sequence") {
    const json* list = member(node, "pretokenizers");
    if (list == nullptr || !list->is_array()) return invalid_argument("pre_tokenizer Sequence without a list");
    for (const json& child : *list) TRY(parse_pre_tokenizer(child, steps));
    return Status::ok_status();
  } else if (type == "Split") {
    step.kind = PreTokenizerStep::Kind::kSplit;
    std::tie(step.pattern, step.is_regex) = TRY(pattern_of(node));
    step.invert = bool_member(node, "invert", false);
    const std::string behavior = string_member(node, "behavior").value_or("Isolated");
    if (behavior == "Removed") step.behavior = SplitBehavior::kRemoved;
    else if (behavior == "Isolated") step.behavior = SplitBehavior::kIsolated;
    else if (behavior == "MergedWithPrevious") step.behavior = SplitBehavior::kMergedWithPrevious;
    else if (behavior == "MergedWithNext") step.behavior = SplitBehavior::kMergedWithNext;
    else if (behavior == "Contiguous") step.behavior = SplitBehavior::kContiguous;
    else return invalid_argument("unknown Split behavior '", behavior, "'");
  } else if (type == "ByteLevel") {
    step.kind = PreTokenizerStep::Kind::kByteLevel;
    step.add_prefix_space = bool_member(node, "add_prefix_space", true);
    step.use_regex = bool_member(node, "use_regex", true);
  } else if (type == "Digits") {
    step.kind = PreTokenizerStep::Kind::kDigits;
    step.individual_digits = bool_member(node, "individual_digits", false);
  } else if (type == "Metaspace") {
    step.kind = PreTokenizerStep::Kind::kMetaspace;
    step.replacement = string_member(node, "replacement").value_or("\xE2\x96\x81");
    step.prepend_scheme = TRY(prepend_scheme_of(node));
    step.split = bool_member(node, "split", true);
  } else {
    return unimplemented("pre_tokenizer type '", type, "'");
  }
  steps.push_back(std::move(step));
  return Status::ok_status();
}

Status parse_decoder(const json& node, std::vector<DecoderStep>& steps) {
  if (node.is_null()) return Status::ok_status();
  const std::string type = type_of(node);
  DecoderStep step;
  if (type == "Sequence") {
    const json* list = member(node, "decoders");
    if (list == nullptr || !list->is_array()) return invalid_argument("decoder Sequence without a list");
    for (const json& child : *list) TRY(parse_decoder(child, steps));
    return Status::ok_status();
  } else if (type == "ByteLevel") {
    step.kind = DecoderStep::Kind::kByteLevel;
  } else if (type == "Replace") {
    step.kind = DecoderStep::Kind::kReplace;
    bool is_regex;
    std::tie(step.pattern, is_regex) = TRY(pattern_of(node));
    if (is_regex) return unimplemented("Replace decoder with a regex pattern");
    step.content = string_member(node, "content").value_or("");
  } else if (type == "ByteFallback") {
    step.kind = DecoderStep::Kind::kByteFallback;
  } else if (type == "Fuse") {
    step.kind = DecoderStep::Kind::kFuse;
  } else if (type == "Strip") {
    step.kind = DecoderStep::Kind::kStrip;
    step.content = string_member(node, "content").value_or(" ");
    step.start = static_cast<int>(int_member(node, "start", 0));
    step.stop = static_cast<int>(int_member(node, "stop", 0));
  } else if (type == "Metaspace") {
    step.kind = DecoderStep::Kind::kMetaspace;
    step.content = string_member(node, "replacement").value_or("\xE2\x96\x81");
    step.prepend_scheme = TRY(prepend_scheme_of(node));
  } else {
    return unimplemented("decoder type '", type, "'");
  }
  steps.push_back(std::move(step));
  return Status::ok_status();
}

// Special ids before and after the text ("$A") of a post-processor.
Status parse_post_processor(const json& node, const TokenizerSpec& spec, std::vector<int32_t>& prefix,
                            std::vector<int32_t>& suffix) {
  if (node.is_null()) return Status::ok_status();
  const std::string type = type_of(node);
  if (type == "Sequence") {
    const json* list = member(node, "processors");
    if (list == nullptr || !list->is_array()) return invalid_argument("post_processor Sequence without a list");
    for (const json& child : *list) TRY(parse_post_processor(child, spec, prefix, suffix));
  } else if (type == "ByteLevel") {
    // Adjusts offsets only.
  } else if (type == "TemplateProcessing") {
    const json* single = member(node, "single");
    const json* specials = member(node, "special_tokens");
    if (single == nullptr || !single->is_array()) return invalid_argument("TemplateProcessing without \"single\"");
    bool after_sequence = false;
    for (const json& item : *single) {
      if (member(item, "Sequence") != nullptr) {
        after_sequence = true;
        continue;
      }
      const json* special = member(item, "SpecialToken");
      auto name = special ? string_member(*special, "id") : std::nullopt;
      if (!name) return invalid_argument("TemplateProcessing item is neither Sequence nor SpecialToken");
      const json* entry = specials ? member(*specials, *name) : nullptr;
      const json* ids = entry ? member(*entry, "ids") : nullptr;
      if (ids == nullptr || !ids->is_array()) return invalid_argument("TemplateProcessing: no ids for '", *name, "'");
      for (const json& id : *ids) {
        if (!id.is_number_integer()) return invalid_argument("TemplateProcessing: bad id for '", *name, "'");
        (after_sequence ? suffix : prefix).push_back(id.get<int32_t>());
      }
    }
  } else if (type == "RobertaProcessing" || type == "BertProcessing") {
    const json* cls = member(node, "cls");
    const json* sep = member(node, "sep");
    if (!cls || !sep || !cls->is_array() || !sep->is_array() || cls->size() != 2 || sep->size() != 2 ||
        !(*cls)[1].is_number_integer() || !(*sep)[1].is_number_integer()) {
      return invalid_argument(type, " without cls/sep");
    }
    prefix.push_back((*cls)[1].get<int32_t>());
    suffix.push_back((*sep)[1].get<int32_t>());
  } else {
    return unimplemented("post_processor type '", type, "'");
  }
  return Status::ok_status();
}

Status parse_model(const json& model, TokenizerSpec& spec, std::vector<std::pair<std::string, std::string>>& merges) {
  const std::string type = type_of(model);
  if (!type.empty() && type != "BPE") return unimplemented("tokenizer model type '", type, "' (only BPE)");
  if (member(model, "dropout") != nullptr) return unimplemented("BPE dropout");
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (!string_member(model, key).value_or("").empty()) return unimplemented("BPE ", key);
  }
  const json* vocab = member(model, "vocab");
  if (vocab == nullptr || !vocab->is_object()) return invalid_argument("model.vocab is not an object");
  for (const auto& [text, id] : vocab->items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > (1 << 24)) {
      return invalid_argument("model.vocab: bad id for '", text, "'");
    }
    const size_t index = id.get<size_t>();
    if (index >= spec.pieces.size()) {
      spec.pieces.resize(index + 1);
      spec.in_model.resize(index + 1, false);
    }
    spec.pieces[index] = text;
    spec.in_model[index] = true;
  }
  const json* list = member(model, "merges");
  if (list != nullptr) {
    if (!list->is_array()) return invalid_argument("model.merges is not an array");
    merges.reserve(list->size());
    for (const json& merge : *list) {
      if (merge.is_string()) {
        const std::string& line = merge.get_ref<const std::string&>();
        const size_t space = line.find(' ');
        if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos) {
          return invalid_argument("merge '", line, "' is not two tokens");
        }
        merges.emplace_back(line.substr(0, space), line.substr(space + 1));
      } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
        merges.emplace_back(merge[0].get<std::string>(), merge[1].get<std::string>());
      } else {
        return invalid_argument("a merge is neither \"a b\" nor [a, b]");
      }
    }
  }
  spec.bpe.byte_fallback = bool_member(model, "byte_fallback", false);
  spec.bpe.fuse_unk = bool_member(model, "fuse_unk", false);
  spec.bpe.ignore_merges = bool_member(model, "ignore_merges", false);
  return Status::ok_status();
}

Status parse_added_tokens(const json& root, TokenizerSpec& spec) {
  const json* list = member(root, "added_tokens");
  if (list == nullptr) return Status::ok_status();
  if (!list->is_array()) return invalid_argument("added_tokens is not an array");
  for (const json& item : *list) {
    AddedToken token;
    const int64_t id = int_member(item, "id", -1);
    auto content = string_member(item, "content");
    if (id < 0 || id > (1 << 24) || !content) return invalid_argument("added token without id or content");
    token.id = static_cast<int32_t>(id);
    token.content = *content;
    token.special = bool_member(item, "special", false);
    token.lstrip = bool_member(item, "lstrip", false);
    token.rstrip = bool_member(item, "rstrip", false);
    token.normalized = bool_member(item, "normalized", !token.special);
    token.single_word = bool_member(item, "single_word", false);
    if (static_cast<size_t>(id) >= spec.pieces.size()) {
      spec.pieces.resize(id + 1);
      spec.in_model.resize(id + 1, false);
    }
    if (!spec.in_model[id]) spec.pieces[id] = token.content;
    spec.added_tokens.push_back(std::move(token));
  }
  return Status::ok_status();
}

// Ids of the merges' tokens; a merge whose parts or result are not in the
// vocabulary is an error, as in Hugging Face.
Status resolve_merges(const std::vector<std::pair<std::string, std::string>>& merges, TokenizerSpec& spec) {
  std::unordered_map<std::string_view, int32_t> ids;
  ids.reserve(spec.pieces.size());
  for (size_t id = 0; id < spec.pieces.size(); ++id) {
    if (spec.in_model[id]) ids.emplace(spec.pieces[id], static_cast<int32_t>(id));
  }
  spec.merges.reserve(merges.size());
  std::string joined;
  for (const auto& [left, right] : merges) {
    joined = left + right;
    auto left_it = ids.find(left), right_it = ids.find(right), merged_it = ids.find(joined);
    if (left_it == ids.end() || right_it == ids.end() || merged_it == ids.end()) {
      return invalid_argument("merge '", left, " ", right, "' uses a token outside the vocabulary");
    }
    spec.merges.push_back({left_it->second, right_it->second, merged_it->second});
  }
  return Status::ok_status();
}

void assign_types(TokenizerSpec& spec) {
  spec.types.assign(spec.pieces.size(), TokenType::kNormal);
  for (size_t id = 0; id < spec.pieces.size(); ++id) {
    const std::string& piece = spec.pieces[id];
    if (!spec.in_model[id] && piece.empty()) spec.types[id] = TokenType::kUnused;
    if (spec.bpe.byte_fallback && piece.size() == 6 && piece.starts_with("<0x") && piece.back() == '>') {
      spec.types[id] = TokenType::kByte;
    }
  }
  if (spec.unk_id) spec.types[*spec.unk_id] = TokenType::kUnknown;
  for (const AddedToken& token : spec.added_tokens) {
    spec.types[token.id] = token.special ? TokenType::kControl : TokenType::kUserDefined;
  }
}

Result<json> parse_json(std::string_view text, std::string_view what) {
  json parsed = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) return invalid_argument(what, " is not a JSON object");
  return parsed;
}

}  // namespace

Result<TokenizerSpec> parse_hf_tokenizer(std::string_view tokenizer_json, std::string_view config_json) {
  const json root = TRY(parse_json(tokenizer_json, "tokenizer.json"));
  TokenizerSpec spec;
  const json* model = member(root, "model");
  if (model == nullptr) return invalid_argument("tokenizer.json has no model");
  std::vector<std::pair<std::string, std::string>> merges;
  TRY(parse_model(*model, spec, merges));
  TRY(parse_added_tokens(root, spec));
  TRY(resolve_merges(merges, spec));
  if (auto unk = string_member(*model, "unk_token")) {
    for (size_t id = 0; id < spec.pieces.size(); ++id) {
      if (spec.in_model[id] && spec.pieces[id] == *unk) spec.unk_id = static_cast<int32_t>(id);
    }
    spec.bpe.unk_id = spec.unk_id;
  }

  const json null_json;
  const auto child = [&](const char* key) -> const json& {
    const json* value = member(root, key);
    return value ? *value : null_json;
  };
  TRY(parse_normalizer(child("normalizer"), spec.normalizer));
  TRY(parse_pre_tokenizer(child("pre_tokenizer"), spec.pre_tokenizer));
  TRY(parse_decoder(child("decoder"), spec.decoder));
  TRY(parse_post_processor(child("post_processor"), spec, spec.prefix_ids, spec.suffix_ids));
  bool byte_level = false;
  for (const auto& step : spec.pre_tokenizer) byte_level |= step.kind == PreTokenizerStep::Kind::kByteLevel;
  for (const auto& step : spec.decoder) byte_level |= step.kind == DecoderStep::Kind::kByteLevel;
  spec.bpe.alphabet = byte_level ? BpeConfig::Alphabet::kBytes : BpeConfig::Alphabet::kCharacters;

  const auto id_of = [&](const std::optional<std::string>& text) -> std::optional<int32_t> {
    if (!text) return std::nullopt;
    for (const AddedToken& token : spec.added_tokens) {
      if (token.content == *text) return token.id;
    }
    for (size_t id = 0; id < spec.pieces.size(); ++id) {
      if (spec.pieces[id] == *text) return static_cast<int32_t>(id);
    }
    return std::nullopt;
  };
  if (!config_json.empty()) {
    const json config = TRY(parse_json(config_json, "tokenizer_config.json"));
    spec.bos_id = id_of(token_text(member(config, "bos_token")));
    spec.eos_id = id_of(token_text(member(config, "eos_token")));
    spec.pad_id = id_of(token_text(member(config, "pad_token")));
    spec.chat_template = string_member(config, "chat_template").value_or("");
    const json* add_bos = member(config, "add_bos_token");
    const json* add_eos = member(config, "add_eos_token");
    if ((add_bos && add_bos->is_boolean()) || (add_eos && add_eos->is_boolean())) {
      spec.prefix_ids.clear();
      spec.suffix_ids.clear();
      if (bool_member(config, "add_bos_token", false) && spec.bos_id) spec.prefix_ids.push_back(*spec.bos_id);
      if (bool_member(config, "add_eos_token", false) && spec.eos_id) spec.suffix_ids.push_back(*spec.eos_id);
    }
  }
  if (!spec.bos_id && !spec.prefix_ids.empty()) spec.bos_id = spec.prefix_ids.front();
  assign_types(spec);
  add_end_of_generation_ids(spec);
  return spec;
}

Result<TokenizerSpec> load_hf_tokenizer(const std::string& tokenizer_json_path, const std::string& config_path) {
  MappedFile tokenizer_file = TRY(MappedFile::open(tokenizer_json_path));
  const auto as_text = [](const MappedFile& file) {
    return std::string_view(reinterpret_cast<const char*>(file.data()), file.size());
  };
  MappedFile config_file;
  if (!config_path.empty()) config_file = TRY(MappedFile::open(config_path));
  auto spec = parse_hf_tokenizer(as_text(tokenizer_file), as_text(config_file));
  if (!spec.ok()) return spec.status().with_context(tokenizer_json_path);
  return spec;
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::from_hf_files(const std::string& tokenizer_json_path,
                                                            const std::string& tokenizer_config_path) {
  return from_spec(TRY(load_hf_tokenizer(tokenizer_json_path, tokenizer_config_path)));
}

}  // namespace loom::text
