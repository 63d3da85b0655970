// The Prometheus text exposition format (version 0.0.4): HELP and TYPE lines,
// then samples with at most one label. The one writer of /metrics text.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace loom::server {

class Exposition {
 public:
  Exposition() { out_.precision(15); }
  void metric(std::string_view name, std::string_view type, std::string_view help) {
    out_ << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  }
  template <typename Value>
  void sample(std::string_view name, Value value, std::string_view label = "", std::string_view label_value = "") {
    out_ << name;
    if (!label.empty()) out_ << '{' << label << "=\"" << label_value << "\"}";
    out_ << ' ' << value << '\n';
  }
  // metric() then sample(): a metric with one unlabelled value.
  template <typename Value>
  void single(std::string_view name, std::string_view type, std::string_view help, Value value) {
    metric(name, type, help);
    sample(name, value);
  }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

}  // namespace loom::server
