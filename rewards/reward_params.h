#pragma once
// Declared parameters of a reward (name, type, default, one-line comment), their checks
// (unknown or mistyped parameters name rewards.<name>.<param> and the value) and typed access.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace zerorl {

enum class ParamType { Bool, Int, Double, String, StringList };

struct ParamSpec {
  std::string name;
  ParamType type;
  nlohmann::json def;                // default value
  std::string comment;               // one line, for `zerorl config --list`
  std::vector<std::string> choices;  // allowed strings (String only); empty = any
  double lo = -1e300, hi = 1e300;    // allowed range (Int, Double), both ends inclusive
};

std::string to_string(ParamType t);

// Every problem with the given params, one line each ("rewards.format.newlines: expected a bool,
// got \"yes\" (cfg.yaml:12)"). `given` holds every key but weight.
std::vector<std::string> check_params(const std::string& reward, const nlohmann::json& given,
                                      const std::vector<ParamSpec>& specs, const std::string& origin);

// A reward's params with defaults filled in. Assumes check_params passed.
class Params {
 public:
  Params(const nlohmann::json& given, const std::vector<ParamSpec>& specs);
  bool get_bool(const std::string& name) const;
  int64_t get_int(const std::string& name) const;
  double get_double(const std::string& name) const;
  std::string get_string(const std::string& name) const;
  std::vector<std::string> get_strings(const std::string& name) const;

 private:
  const nlohmann::json& at(const std::string& name) const;
  nlohmann::json values_ = nlohmann::json::object();
};

}  // namespace zerorl
