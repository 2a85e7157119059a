// Config loading from YAML files and --set overrides (dumping back to YAML: config_dump.cpp).
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "core/config.h"
#include "core/config_visit.h"
#include "core/error.h"

namespace zerorl {
namespace {

std::string where(const std::string& file, const YAML::Mark& m) {
  if (m.line < 0) return file;
  return file + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

std::string node_text(const YAML::Node& n) {
  if (n.IsScalar()) return n.Scalar();
  if (n.IsNull()) return "null";
  YAML::Emitter e;
  e << YAML::Flow << n;
  return e.c_str();
}

template <class E> std::string enum_choices() {
  std::string s;
  for (auto& [v, n] : EnumNames<E>::table()) s += (s.empty() ? "" : " | ") + std::string(n);
  return s;
}

// Parse one YAML node into a typed field. Returns "" on success, else the reason.
template <class T> std::string parse_into(const YAML::Node& n, T& out) {
  try {
    if constexpr (std::is_same_v<T, bool>) {
      if (!n.IsScalar()) return "expected true or false";
      const std::string& s = n.Scalar();
      if (s == "true" || s == "True" || s == "TRUE") out = true;
      else if (s == "false" || s == "False" || s == "FALSE") out = false;
      else return "expected true or false";
    } else if constexpr (std::is_enum_v<T>) {
      if (!n.IsScalar()) return "expected one of " + enum_choices<T>();
      for (auto& [v, name] : EnumNames<T>::table())
        if (n.Scalar() == name) { out = v; return ""; }
      std::vector<std::string> names;
      for (auto& [v, name] : EnumNames<T>::table()) names.push_back(name);
      return "expected one of " + enum_choices<T>() + did_you_mean(n.Scalar(), names);
    } else if constexpr (std::is_integral_v<T>) {
      if (!n.IsScalar()) return "expected an integer";
      out = n.as<T>();
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!n.IsScalar()) return "expected a number";
      out = n.as<T>();
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (n.IsNull()) { out.clear(); return ""; }
      if (!n.IsScalar()) return "expected a string";
      out = n.Scalar();
    } else {  // std::vector<std::string>
      if (n.IsNull()) { out.clear(); return ""; }
      if (n.IsScalar()) { out = {n.Scalar()}; return ""; }
      if (!n.IsSequence()) return "expected a list of strings";
      std::vector<std::string> v;
      for (const auto& x : n) {
        if (!x.IsScalar()) return "expected a list of strings";
        v.push_back(x.Scalar());
      }
      out = v;
    }
  } catch (const YAML::Exception&) {
    if constexpr (std::is_integral_v<T>) return "expected an integer";
    else return "expected a number";
  }
  return "";
}

struct Problems {
  std::vector<std::string> list;
  // Where each key got its value: "file:line:column" or "--set" (the last writer wins), so that range and
  // cross-field problems found after loading can name it.
  std::map<std::string, std::string> origin;
  void add(const std::string& s) { list.push_back(s); }
};

// Loads the keys of one section's YAML map; reports unknown keys.
struct Loader {
  const YAML::Node& node;
  std::string section;
  std::string file;
  Config& cfg;
  Problems& problems;
  std::vector<std::string> known;
  template <class T, class... Rest> void operator()(const char* key, T& v, const char*, const Rest&...) {
    known.emplace_back(key);
    YAML::Node n = node[key];
    if (!n) return;
    std::string dotted = section + "." + key;
    std::string err = parse_into(n, v);
    if (!err.empty()) {
      problems.add(where(file, n.Mark()) + ": " + dotted + "=" + quote(node_text(n)) + ": " + err);
    } else {
      cfg.explicitly_set.insert(dotted);
      problems.origin[dotted] = where(file, n.Mark());
    }
  }
};

// Finds one key for --set.
struct Setter {
  std::string key;
  const YAML::Node& value;
  std::string raw;
  std::string section;
  Config& cfg;
  Problems& problems;
  bool found = false;
  std::vector<std::string> known;
  template <class T, class... Rest> void operator()(const char* k, T& v, const char*, const Rest&...) {
    known.push_back(section + "." + k);
    if (key != k) return;
    found = true;
    std::string err = parse_into(value, v);
    if (!err.empty()) {
      problems.add("--set " + section + "." + key + "=" + raw + ": " + err);
    } else {
      cfg.explicitly_set.insert(section + "." + key);
      problems.origin[section + "." + key] = "--set";
    }
  }
};

std::vector<std::string> section_names() {
  std::vector<std::string> names;
  Config c;
  auto f = [&](const char* n, auto&) { names.emplace_back(n); };
  sections(f, c);
  names.emplace_back("rewards");
  return names;
}

std::vector<std::string> all_keys() {
  std::vector<std::string> keys;
  Config c;
  auto f = [&](const char* sec, auto& s) {
    auto g = [&](const char* k, auto&, const char*, const auto&...) { keys.push_back(std::string(sec) + "." + k); };
    fields(g, s);
  };
  sections(f, c);
  keys.emplace_back("rewards.plugins");
  return keys;
}

nlohmann::json yaml_to_json(const YAML::Node& n) {
  if (n.IsNull()) return nullptr;
  if (n.IsScalar()) {
    if (n.Tag() == "!") return n.Scalar();  // quoted: stays a string
    return yaml_scalar_to_json(n.Scalar());
  }
  if (n.IsSequence()) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& x : n) a.push_back(yaml_to_json(x));
    return a;
  }
  nlohmann::json o = nlohmann::json::object();
  for (const auto& kv : n) o[kv.first.as<std::string>()] = yaml_to_json(kv.second);
  return o;
}

void set_reward_param(Config& cfg, const std::string& name, const std::string& param, const nlohmann::json& value,
                      const std::string& origin, Problems& problems, const std::string& shown) {
  RewardSpec* spec = cfg.rewards.find(name);
  if (!spec) {
    cfg.rewards.list.push_back(RewardSpec{name, 1.0, nlohmann::json::object(), origin});
    spec = &cfg.rewards.list.back();
  }
  if (param == "weight") {
    if (!value.is_number()) {
      problems.add(shown + ": rewards." + name + ".weight: expected a number, got " + quote(value.dump()));
      return;
    }
    spec->weight = value.get<double>();
  } else {
    spec->params[param] = value;
  }
}

void load_rewards(const YAML::Node& node, const std::string& file, Config& cfg, Problems& problems) {
  if (node.IsNull()) return;
  if (!node.IsMap()) {
    problems.add(where(file, node.Mark()) + ": rewards: expected a map of reward names");
    return;
  }
  for (const auto& kv : node) {
    std::string name = kv.first.as<std::string>();
    const YAML::Node& body = kv.second;
    std::string at = where(file, kv.first.Mark());
    if (name == "plugins") {
      std::string err = parse_into(body, cfg.rewards.plugins);
      if (!err.empty()) problems.add(at + ": rewards.plugins: " + err);
      continue;
    }
    if (!cfg.rewards.find(name)) cfg.rewards.list.push_back(RewardSpec{name, 1.0, nlohmann::json::object(), at});
    cfg.rewards.find(name)->origin = at;
    if (body.IsNull()) continue;
    if (!body.IsMap()) {
      problems.add(at + ": rewards." + name + ": expected a map of parameters (weight: ..., ...)");
      continue;
    }
    for (const auto& p : body) {
      std::string param = p.first.as<std::string>();
      set_reward_param(cfg, name, param, yaml_to_json(p.second), at, problems,
                       where(file, p.second.Mark()));
    }
  }
}

void load_file(const std::string& file, Config& cfg, Problems& problems) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {  // it would open, and read as an empty file
    problems.add("cannot read config file " + quote(file) + ": is a directory");
    return;
  }
  std::ifstream in(file);
  if (!in) {
    problems.add("cannot read config file " + quote(file) + ": " + std::strerror(errno));
    return;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  size_t bad = 0;
  if (!valid_utf8(text, &bad)) {  // YAML is Unicode; yaml-cpp would pass the bytes through
    const auto line = 1 + std::count(text.begin(), text.begin() + std::ptrdiff_t(bad), '\n');
    problems.add(file + ":" + std::to_string(line) + ": invalid UTF-8 (byte " + std::to_string(bad + 1) + ")");
    return;
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    problems.add(where(file, e.mark) + ": malformed YAML: " + e.msg);
    return;
  }
  if (root.IsNull()) return;  // an empty file sets nothing
  if (!root.IsMap()) {
    problems.add(where(file, root.Mark()) + ": expected a map of sections (run:, model:, ...)");
    return;
  }
  cfg.sources.push_back(file);
  auto names = section_names();
  for (const auto& kv : root) {
    std::string sec = kv.first.as<std::string>();
    bool known = false;
    for (auto& n : names) known |= (n == sec);
    if (!known) {
      problems.add(where(file, kv.first.Mark()) + ": unknown section " + quote(sec) + did_you_mean(sec, names));
      continue;
    }
    if (sec == "rewards") {
      load_rewards(kv.second, file, cfg, problems);
      continue;
    }
    if (!kv.second.IsMap() && !kv.second.IsNull()) {
      problems.add(where(file, kv.second.Mark()) + ": " + sec + ": expected a map of keys");
      continue;
    }
    auto visit_section = [&](const char* name, auto& s) {
      if (sec != name) return;
      Loader l{kv.second, sec, file, cfg, problems, {}};
      fields(l, s);
      if (kv.second.IsNull()) return;
      for (const auto& f : kv.second) {
        std::string key = f.first.as<std::string>();
        bool ok = false;
        for (auto& k : l.known) ok |= (k == key);
        if (!ok) {
          std::vector<std::string> cands;
          for (auto& k : l.known) cands.push_back(sec + "." + k);
          problems.add(where(file, f.first.Mark()) + ": unknown key " + quote(sec + "." + key) +
                       did_you_mean(sec + "." + key, cands));
        }
      }
    };
    sections(visit_section, cfg);
  }
}

void apply_override(const std::string& text, Config& cfg, Problems& problems) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    problems.add("--set " + quote(text) + ": expected dotted.key=value");
    return;
  }
  std::string key = trim(text.substr(0, eq));
  std::string raw = text.substr(eq + 1);
  YAML::Node value;
  try {
    value = YAML::Load(raw);
  } catch (const YAML::Exception& e) {
    value = YAML::Node(raw);  // not YAML: take it as a plain string
  }
  auto parts = split(key, '.');
  if (parts.size() < 2) {
    // a bare key: suggest the dotted key whose last part is closest
    std::vector<std::string> lasts;
    auto keys = all_keys();
    for (auto& k : keys) lasts.push_back(k.substr(k.find('.') + 1));
    std::string best = closest_match(key, lasts);
    std::string hint;
    for (size_t i = 0; i < keys.size() && !best.empty(); ++i)
      if (lasts[i] == best) { hint = " (did you mean '" + keys[i] + "'?)"; break; }
    problems.add("--set " + key + "=" + raw + ": expected section.key=value" + hint);
    return;
  }
  if (parts[0] == "rewards") {
    if (parts.size() == 2 && parts[1] == "plugins") {
      std::string err = parse_into(value, cfg.rewards.plugins);
      if (!err.empty()) problems.add("--set " + key + "=" + raw + ": " + err);
      return;
    }
    if (parts.size() != 3) {
      problems.add("--set " + key + "=" + raw + ": expected rewards.<name>.<param>=value");
      return;
    }
    set_reward_param(cfg, parts[1], parts[2], yaml_to_json(value), "--set", problems, "--set " + key + "=" + raw);
    return;
  }
  auto names = section_names();
  bool sec_known = false;
  for (auto& n : names) sec_known |= (n == parts[0]);
  if (!sec_known || parts.size() != 2) {
    problems.add("--set " + key + "=" + raw + ": unknown key " + quote(key) + did_you_mean(key, all_keys()));
    return;
  }
  bool found = false;
  std::vector<std::string> known;
  auto visit_section = [&](const char* name, auto& s) {
    if (parts[0] != name) return;
    Setter st{parts[1], value, raw, parts[0], cfg, problems, false, {}};
    fields(st, s);
    found = st.found;
    known = st.known;
  };
  sections(visit_section, cfg);
  if (!found) problems.add("--set " + key + "=" + raw + ": unknown key " + quote(key) + did_you_mean(key, known));
}

}  // namespace

nlohmann::json yaml_scalar_to_json(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s == "null" || s == "~" || s.empty()) return nullptr;
  try {
    size_t pos = 0;
    long long i = std::stoll(s, &pos);
    if (pos == s.size()) return i;
  } catch (...) {
  }
  try {
    size_t pos = 0;
    double d = std::stod(s, &pos);
    if (pos == s.size()) return d;
  } catch (...) {
  }
  return s;
}

Config load_config(const std::vector<std::string>& files, const std::vector<std::string>& overrides,
                   ExtraChecks extra_checks) {
  Config cfg;
  Problems problems;
  for (const auto& f : files) load_file(f, cfg, problems);
  for (const auto& o : overrides) apply_override(o, cfg, problems);
  // Every problem at once: fields that failed to parse kept their defaults, so checking the rest is sound.
  // Each starts "section.key=value: ..."; it gets the key's origin and only the first one per key is kept.
  std::set<std::string> reported;
  for (auto& p : validate(cfg)) {
    const std::string key = p.substr(0, p.find_first_of("=:"));
    if (!reported.insert(key).second) continue;
    auto o = problems.origin.find(key);
    if (o == problems.origin.end()) problems.add(p);
    else problems.add(o->second + (o->second == "--set" ? " " : ": ") + p);
  }
  if (extra_checks) extra_checks(cfg, problems.list);
  if (!problems.list.empty()) throw ConfigError(problems.list);
  return cfg;
}

}  // namespace zerorl
