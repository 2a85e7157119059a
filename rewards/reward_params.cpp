#include "rewards/reward_params.h"

#include <cmath>

#include "core/error.h"
#include "core/text.h"

namespace zerorl {

std::string to_string(ParamType t) {
  switch (t) {
    case ParamType::Bool: return "bool";
    case ParamType::Int: return "int";
    case ParamType::Double: return "float";
    case ParamType::String: return "string";
    case ParamType::StringList: return "list[string]";
  }
  return "?";
}

namespace {

bool type_ok(ParamType t, const nlohmann::json& v) {
  switch (t) {
    case ParamType::Bool: return v.is_boolean();
    case ParamType::Int: return v.is_number_integer();
    case ParamType::Double: return v.is_number() && std::isfinite(v.get<double>());
    case ParamType::String: return v.is_string();
    case ParamType::StringList:
      if (!v.is_array() || v.empty()) return false;
      for (auto& x : v)
        if (!x.is_string()) return false;
      return true;
  }
  return false;
}

std::string article(ParamType t) {
  switch (t) {
    case ParamType::Bool: return "a bool (true or false)";
    case ParamType::Int: return "an integer";
    case ParamType::Double: return "a number";
    case ParamType::String: return "a string";
    case ParamType::StringList: return "a non-empty list of strings";
  }
  return "?";
}

}  // namespace

std::vector<std::string> check_params(const std::string& reward, const nlohmann::json& given,
                                      const std::vector<ParamSpec>& specs, const std::string& origin) {
  std::vector<std::string> problems;
  std::string where = origin.empty() ? "" : " (" + origin + ")";
  if (!given.is_object()) return {"rewards." + reward + ": expected a map of parameters" + where};
  std::vector<std::string> names;
  for (auto& s : specs) names.push_back(s.name);
  for (auto it = given.begin(); it != given.end(); ++it) {
    const std::string key = "rewards." + reward + "." + it.key();
    const ParamSpec* spec = nullptr;
    for (auto& s : specs)
      if (s.name == it.key()) spec = &s;
    if (!spec) {
      std::string known;
      for (auto& n : names) known += (known.empty() ? "" : ", ") + n;
      problems.push_back(key + ": unknown parameter" + did_you_mean(it.key(), names) +
                         (known.empty() ? " (this reward takes only weight)" : " (known: weight, " + known + ")") + where);
      continue;
    }
    if (!type_ok(spec->type, it.value())) {
      problems.push_back(key + ": expected " + article(spec->type) + ", got " + quote(it.value().dump()) + where);
      continue;
    }
    if ((spec->type == ParamType::Int || spec->type == ParamType::Double)) {
      double v = it.value().get<double>();
      if (v < spec->lo || v > spec->hi) {
        std::string range = spec->hi >= 1e300 ? ">= " + nlohmann::json(spec->lo).dump()
                            : spec->lo <= -1e300 ? "<= " + nlohmann::json(spec->hi).dump()
                            : "in [" + nlohmann::json(spec->lo).dump() + ", " + nlohmann::json(spec->hi).dump() + "]";
        problems.push_back(key + ": must be " + range + ", got " + it.value().dump() + where);
      }
    }
    if (!spec->choices.empty()) {
      std::string v = it.value().get<std::string>();
      bool ok = false;
      std::string list;
      for (auto& c : spec->choices) {
        ok |= c == v;
        list += (list.empty() ? "" : " | ") + c;
      }
      if (!ok) problems.push_back(key + ": " + quote(v) + " is not one of " + list + did_you_mean(v, spec->choices) + where);
    }
  }
  return problems;
}

Params::Params(const nlohmann::json& given, const std::vector<ParamSpec>& specs) {
  for (auto& s : specs) values_[s.name] = s.def;
  if (given.is_object())
    for (auto it = given.begin(); it != given.end(); ++it) values_[it.key()] = it.value();
}

const nlohmann::json& Params::at(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw InputError("reward parameter " + quote(name) + " is not declared");
  return *it;
}

bool Params::get_bool(const std::string& name) const { return at(name).get<bool>(); }
int64_t Params::get_int(const std::string& name) const { return at(name).get<int64_t>(); }
double Params::get_double(const std::string& name) const { return at(name).get<double>(); }
std::string Params::get_string(const std::string& name) const { return at(name).get<std::string>(); }
std::vector<std::string> Params::get_strings(const std::string& name) const {
  return at(name).get<std::vector<std::string>>();
}

}  // namespace zerorl
