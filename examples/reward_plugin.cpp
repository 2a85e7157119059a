// An example reward plugin (see rewards/plugin_abi.h for the ABI). Build it as a shared library
// and name it in the config:
//
//   rewards:
//     plugins: [build/examples/libzerorl_example_rewards.so]
//     exact_match: {weight: 1.0, case_sensitive: false}
//     brevity: {weight: 0.1, max_chars: 400}
//
// exact_match: 1 when the completion, trimmed, equals the row's "gold" field; no score without one.
// brevity:     1 - min(1, characters / max_chars).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "rewards/plugin_abi.h"

namespace {

std::string trimmed(std::string s, bool lower) {
  auto sp = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!s.empty() && sp(s.back())) s.pop_back();
  size_t i = 0;
  while (i < s.size() && sp(s[i])) ++i;
  s = s.substr(i);
  if (lower) std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Parameters arrive as a JSON object; unknown or mistyped ones are reported through err.
bool read_params(const char* json, size_t size, const std::vector<std::string>& known, nlohmann::json& out,
                 char* err, size_t err_size) {
  out = nlohmann::json::parse(std::string(json, size), nullptr, false);
  if (!out.is_object()) {
    std::snprintf(err, err_size, "parameters must be a JSON object");
    return false;
  }
  for (auto it = out.begin(); it != out.end(); ++it)
    if (std::find(known.begin(), known.end(), it.key()) == known.end()) {
      std::snprintf(err, err_size, "unknown parameter '%s'", it.key().c_str());
      return false;
    }
  return true;
}

struct ExactMatch {
  bool case_sensitive = true;
};

void* exact_match_create(const char* params, size_t size, char* err, size_t err_size) {
  nlohmann::json p;
  if (!read_params(params, size, {"case_sensitive"}, p, err, err_size)) return nullptr;
  auto* state = new ExactMatch;
  if (p.contains("case_sensitive")) {
    if (!p["case_sensitive"].is_boolean()) {
      std::snprintf(err, err_size, "case_sensitive: expected a bool");
      delete state;
      return nullptr;
    }
    state->case_sensitive = p["case_sensitive"].get<bool>();
  }
  return state;
}

int exact_match_score(void* s, const ZerorlRewardItem* items, size_t n, double* scores, unsigned char* has_score) {
  auto* state = static_cast<ExactMatch*>(s);
  for (size_t i = 0; i < n; ++i) {
    auto row = nlohmann::json::parse(std::string(items[i].row_json.data, items[i].row_json.size), nullptr, false);
    has_score[i] = 0;
    if (!row.is_object() || !row.contains("gold") || !row["gold"].is_string()) continue;
    std::string completion(items[i].completion.data, items[i].completion.size);
    bool lower = !state->case_sensitive;
    scores[i] = trimmed(completion, lower) == trimmed(row["gold"].get<std::string>(), lower) ? 1.0 : 0.0;
    has_score[i] = 1;
  }
  return 0;
}

void exact_match_destroy(void* s) { delete static_cast<ExactMatch*>(s); }

struct Brevity {
  double max_chars = 400;
};

void* brevity_create(const char* params, size_t size, char* err, size_t err_size) {
  nlohmann::json p;
  if (!read_params(params, size, {"max_chars"}, p, err, err_size)) return nullptr;
  auto* state = new Brevity;
  if (p.contains("max_chars")) {
    if (!p["max_chars"].is_number() || p["max_chars"].get<double>() <= 0) {
      std::snprintf(err, err_size, "max_chars: expected a number > 0");
      delete state;
      return nullptr;
    }
    state->max_chars = p["max_chars"].get<double>();
  }
  return state;
}

int brevity_score(void* s, const ZerorlRewardItem* items, size_t n, double* scores, unsigned char* has_score) {
  auto* state = static_cast<Brevity*>(s);
  for (size_t i = 0; i < n; ++i) {
    scores[i] = 1.0 - std::min(1.0, static_cast<double>(items[i].completion.size) / state->max_chars);
    has_score[i] = 1;
  }
  return 0;
}

void brevity_destroy(void* s) { delete static_cast<Brevity*>(s); }

}  // namespace

extern "C" int zerorl_register_rewards_v1(ZerorlRewardRegistry* registry) {
  if (registry->abi_version != ZERORL_REWARD_ABI_VERSION) {
    registry->set_error(registry, "built for reward ABI version 1");
    return 1;
  }
  ZerorlRewardDef exact{"exact_match", exact_match_create, exact_match_score, exact_match_destroy};
  ZerorlRewardDef brevity{"brevity", brevity_create, brevity_score, brevity_destroy};
  if (registry->add(registry, &exact) != 0) return 1;
  return registry->add(registry, &brevity);
}
