// `loom info MODEL.gguf`: architecture, hyperparameters, tensor types, file and
// memory sizes, and whether loom can run the file (and if not, why).
#include <cstdio>
#include <map>

#include "cli/commands.h"
#include "cli/engine_options.h"
#include "model/model.h"
#include "server/serving_model.h"
#include "text/tokenizer.h"

namespace loom::cli {
namespace {

struct InfoOptions {
  std::string model_path;
  bool show_metadata = false;
  bool show_tensors = false;
  int64_t context = 0;
  std::string reasoning_config;
};

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof(text), unit ? "%.2f %s" : "%.0f %s", bytes, units[unit]);
  return text;
}

void print_hparams(const model::HParams& h, const model::Model& model) {
  std::printf("architecture        %s\n", h.architecture.c_str());
  if (!h.name.empty()) std::printf("name                %s\n", h.name.c_str());
  std::printf("vocab_size          %lld\n", static_cast<long long>(h.vocab_size));
  std::printf("hidden_size         %lld\n", static_cast<long long>(h.hidden_size));
  std::printf("intermediate_size   %lld\n", static_cast<long long>(h.intermediate_size));
  std::printf("num_hidden_layers   %lld\n", static_cast<long long>(h.num_hidden_layers));
  std::printf("num_attention_heads %lld\n", static_cast<long long>(h.num_attention_heads));
  std::printf("num_key_value_heads %lld\n", static_cast<long long>(h.num_key_value_heads));
  std::printf("head_dim            %lld\n", static_cast<long long>(h.head_dim));
  std::printf("context_length      %lld\n", static_cast<long long>(h.max_position_embeddings));
  std::printf("rope_theta          %g%s\n", h.rope_theta,
              model.weights().rope_freq_factors ? " (with Llama 3 frequency factors)" : "");
  std::printf("rope_style          %s\n",
              h.rope_style == model::RopeStyle::kHalves ? "halves (neox)" : "adjacent pairs (normal)");
  std::printf("rms_norm_eps        %g\n", h.rms_norm_eps);
  std::printf("tied_embeddings     %s\n", model.weights().tied_output ? "yes" : "no");
}

// How the model reasons and what each effort turns into, as `loom serve` would
// apply it (the same detection from the chat template, the same budgets).
Status print_reasoning(const model::GgufFile& file, const InfoOptions& options) {
  Result<std::unique_ptr<text::Tokenizer>> tokenizer = text::Tokenizer::from_gguf(file);
  if (!tokenizer.ok()) {
    std::printf("reasoning           unknown (no tokenizer: %s)\n", tokenizer.status().message().c_str());
    return {};
  }
  server::ServingModelOptions model_options;
  if (!options.reasoning_config.empty()) {
    model_options.reasoning = TRY(reasoning::load_reasoning_settings(options.reasoning_config));
  }
  Result<server::ServingModel> model = server::ServingModel::create(**tokenizer, model_options);
  if (!model.ok()) {
    std::printf("reasoning           unknown (%s)\n", model.status().message().c_str());
    return {};
  }
  const nlohmann::ordered_json metadata =
      reasoning::effort_metadata(model->reasoning_style(), model->reasoning().budgets);
  std::printf("chat_format         %s\n", std::string(chat::family_name(model->family())).c_str());
  std::printf("reasoning           %s\n", metadata["reasoning_style"].get<std::string>().c_str());
  for (const auto& [effort, entry] : metadata["efforts"].items()) {
    std::string line;
    if (!entry["has_effect"].get<bool>()) {
      line = "no effect (accepted)";
    } else {
      line = entry["thinking"].get<bool>() ? "thinking" : "thinking off";
      if (entry.contains("harmony_reasoning")) line += ", Reasoning: " + entry["harmony_reasoning"].get<std::string>();
      if (entry.contains("budget_tokens") && entry["thinking"].get<bool>()) {
        line += str_cat(", budget ", entry["budget_tokens"].get<int64_t>(), " tokens");
      }
      if (entry.contains("max_waits")) {
        line += str_cat(", \"Wait\" for closes before ", entry["min_reasoning_tokens"].get<int64_t>(), " tokens (at most ",
                        entry["max_waits"].get<int64_t>(), ")");
      }
    }
    std::printf("  %-8s          %s\n", effort.c_str(), line.c_str());
  }
  std::printf("  %-8s          router + escalation (at most %d, up to %s)\n", "auto",
              model->reasoning().escalation.max_escalations,
              std::string(reasoning::effort_name(model->reasoning().escalation.ceiling)).c_str());
  return {};
}

Status run_info(const InfoOptions& options) {
  model::GgufFile file = TRY(model::GgufFile::open(options.model_path));
  std::printf("file                %s\n", options.model_path.c_str());
  std::printf("gguf_version        %u\n", file.version());
  std::printf("file_size           %s\n", human_bytes(static_cast<double>(file.file_size())).c_str());

  std::map<std::string, std::pair<int, uint64_t>> by_type;  // type -> (count, bytes)
  uint64_t weight_bytes = 0;
  int64_t parameters = 0;
  for (const model::GgufTensorInfo& tensor : file.tensors()) {
    auto& [count, bytes] = by_type[tensor::ggml_type_name(tensor.ggml_type)];
    ++count;
    bytes += tensor.size_bytes;
    weight_bytes += tensor.size_bytes;
    parameters += tensor.element_count();
  }
  std::printf("tensors             %zu (%.3g M parameters)\n", file.tensors().size(), parameters / 1e6);
  for (const auto& [type, entry] : by_type) {
    std::printf("  %-8s %5d tensors  %s\n", type.c_str(), entry.first,
                human_bytes(static_cast<double>(entry.second)).c_str());
  }
  if (options.show_metadata) {
    std::printf("metadata\n");
    for (const auto& [key, value] : file.metadata()) {
      std::printf("  %-40s %s\n", key.c_str(), value.to_display_string().c_str());
    }
  }
  if (options.show_tensors) {
    std::printf("tensor list\n");
    for (const model::GgufTensorInfo& tensor : file.tensors()) {
      std::string shape;
      for (int64_t dim : tensor.shape) shape += (shape.empty() ? "" : " x ") + std::to_string(dim);
      std::printf("  %-32s %-6s [%s]\n", tensor.name.c_str(), tensor::ggml_type_name(tensor.ggml_type).c_str(),
                  shape.c_str());
    }
  }

  TRY(print_reasoning(file, options));
  auto model = model::Model::from_file(std::move(file));
  if (!model.ok()) {
    std::printf("runnable            no: %s\n", model.status().message().c_str());
    return {};
  }
  std::printf("runnable            yes\n");
  const model::HParams& h = (*model)->hparams();
  print_hparams(h, **model);
  const int64_t context = options.context > 0 ? options.context : std::min<int64_t>(h.max_position_embeddings, 4096);
  const double kv_bytes = 2.0 * h.num_hidden_layers * context * h.kv_size() * 2;  // keys + values, f16
  std::printf("memory              weights %s (mapped, not copied) + f16 KV cache %s for %lld tokens\n",
              human_bytes(static_cast<double>(weight_bytes)).c_str(), human_bytes(kv_bytes).c_str(),
              static_cast<long long>(context));
  return {};
}

}  // namespace

void add_info_command(CLI::App& app, ExitCode& exit_code) {
  auto options = std::make_shared<InfoOptions>();
  CLI::App* command = app.add_subcommand("info", "Show a GGUF model's architecture, hyperparameters, tensor types and memory needs");
  command->add_option("model", options->model_path, "GGUF model file")->required()->check(CLI::ExistingFile);
  command->add_flag("--metadata", options->show_metadata, "Also print every metadata key");
  command->add_flag("--tensors", options->show_tensors, "Also print every tensor with its type and shape");
  command->add_option("--reasoning-config", options->reasoning_config,
                      "JSON file of reasoning budgets (as for loom serve) to show instead of the defaults")
      ->check(CLI::ExistingFile);
  command->add_option("--ctx", options->context, "Context length for the KV cache estimate (default: min(4096, model's))");
  command->callback([options, &exit_code] {
    if (Status status = run_info(*options); !status.ok()) exit_code.value = report_error(status);
  });
}

}  // namespace loom::cli
