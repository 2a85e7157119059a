// The resolved config dumped back to YAML, loadable by load_config to the same values.
#include <string>

#include <yaml-cpp/yaml.h>

#include "core/config.h"
#include "core/config_visit.h"

namespace zerorl {
namespace {

struct Dumper {
  YAML::Emitter& e;
  template <class T, class... Rest> void operator()(const char* key, T& v, const char*, const Rest&...) {
    e << YAML::Key << key << YAML::Value;
    if constexpr (std::is_same_v<T, std::string>) {
      e << YAML::DoubleQuoted << v;
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      e << YAML::Flow << YAML::BeginSeq;
      for (auto& s : v) e << YAML::DoubleQuoted << s;
      e << YAML::EndSeq;
    } else {
      e << scalar_text(v);
    }
  }
};

void emit_json(YAML::Emitter& e, const nlohmann::json& j) {
  if (j.is_object()) {
    e << YAML::BeginMap;
    for (auto it = j.begin(); it != j.end(); ++it) {
      e << YAML::Key << it.key() << YAML::Value;
      emit_json(e, it.value());
    }
    e << YAML::EndMap;
  } else if (j.is_array()) {
    e << YAML::Flow << YAML::BeginSeq;
    for (auto& x : j) emit_json(e, x);
    e << YAML::EndSeq;
  } else if (j.is_string()) {
    e << YAML::DoubleQuoted << j.get<std::string>();
  } else if (j.is_null()) {
    e << YAML::Null;
  } else if (j.is_number_float()) {
    e << scalar_text(j.get<double>());
  } else {
    e << j.dump();
  }
}

}  // namespace

std::string dump_yaml(const Config& cfg_in) {
  Config& cfg = const_cast<Config&>(cfg_in);  // visitors take non-const refs; nothing is modified
  YAML::Emitter e;
  e << YAML::BeginMap;
  auto visit_section = [&](const char* name, auto& s) {
    e << YAML::Key << name << YAML::Value << YAML::BeginMap;
    Dumper d{e};
    fields(d, s);
    e << YAML::EndMap;
  };
  sections(visit_section, cfg);
  e << YAML::Key << "rewards" << YAML::Value << YAML::BeginMap;
  if (!cfg.rewards.plugins.empty()) {
    e << YAML::Key << "plugins" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (auto& p : cfg.rewards.plugins) e << YAML::DoubleQuoted << p;
    e << YAML::EndSeq;
  }
  for (const auto& r : cfg.rewards.list) {
    e << YAML::Key << r.name << YAML::Value << YAML::BeginMap;
    e << YAML::Key << "weight" << YAML::Value << scalar_text(r.weight);
    for (auto it = r.params.begin(); it != r.params.end(); ++it) {
      e << YAML::Key << it.key() << YAML::Value;
      emit_json(e, it.value());
    }
    e << YAML::EndMap;
  }
  e << YAML::EndMap;
  e << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

}  // namespace zerorl
