#include "rewards/reward_set.h"

#include <sstream>

#include "core/error.h"
#include "core/text.h"
#include "rewards/builtin_rewards.h"
#include "rewards/external_reward.h"
#include "rewards/plugin_reward.h"
#include "rewards/reward_params.h"

namespace zerorl {
namespace {

std::string where(const RewardSpec& s) { return s.origin.empty() ? "" : " (" + s.origin + ")"; }

bool is_external(const RewardSpec& s) { return s.params.is_object() && s.params.contains("command"); }

// Loads every plugin; problems name the path.
std::vector<std::shared_ptr<PluginLibrary>> load_plugins(const Config& cfg, std::vector<std::string>* problems) {
  std::vector<std::shared_ptr<PluginLibrary>> libs;
  for (auto& path : cfg.rewards.plugins) {
    try {
      libs.push_back(load_plugin(path));
    } catch (const InputError& e) {
      if (!problems) throw;
      problems->push_back(e.what());
    }
  }
  return libs;
}

const ZerorlRewardDef* find_plugin_reward(const std::vector<std::shared_ptr<PluginLibrary>>& libs,
                                          const std::string& name, std::shared_ptr<PluginLibrary>* owner) {
  for (auto& lib : libs)
    if (auto* d = lib->find(name)) {
      if (owner) *owner = lib;
      return d;
    }
  return nullptr;
}

std::vector<std::string> check_spec(const RewardSpec& s, const std::vector<std::shared_ptr<PluginLibrary>>& libs) {
  if (is_external(s)) {
    auto problems = check_params(s.name, s.params, external_reward_params(), s.origin);
    if (problems.empty()) {
      try {
        Params p(s.params, external_reward_params());
        ExternalReward probe(s.name, ExternalOptions{p.get_strings("command"), 1, 0, 0});
      } catch (const InputError& e) {
        problems.push_back(std::string(e.what()) + where(s));
      }
    }
    return problems;
  }
  if (auto* kind = find_builtin(s.name)) return check_params(s.name, s.params, kind->params, s.origin);
  if (find_plugin_reward(libs, s.name, nullptr)) return {};  // a plugin checks its own params in create()
  std::vector<std::string> names;
  for (auto& k : builtin_rewards()) names.push_back(k.name);
  for (auto& lib : libs)
    for (auto& d : lib->rewards()) names.push_back(d.name);
  return {"rewards." + s.name + ": unknown reward" + did_you_mean(s.name, names) +
          " (built-in: " + [&] {
            std::string l;
            for (auto& k : builtin_rewards()) l += (l.empty() ? "" : ", ") + k.name;
            return l;
          }() + "; or give rewards." + s.name + ".command for an external program)" + where(s)};
}

}  // namespace

void check_rewards_config(const Config& cfg, std::vector<std::string>& problems) {
  auto libs = load_plugins(cfg, &problems);
  for (auto& s : cfg.rewards.list)
    for (auto& p : check_spec(s, libs)) problems.push_back(p);
}

RewardSet::RewardSet(const Config& cfg) {
  plugins_ = load_plugins(cfg, nullptr);
  std::vector<std::string> problems;
  for (auto& s : cfg.rewards.list)
    for (auto& p : check_spec(s, plugins_)) problems.push_back(p);
  if (!problems.empty()) throw ConfigError(problems);
  RewardContext ctx{cfg.data.answer_field, cfg.rollout.max_new_tokens};
  for (auto& s : cfg.rewards.list) {
    std::unique_ptr<Reward> fn;
    if (is_external(s)) {
      Params p(s.params, external_reward_params());
      ExternalOptions o{p.get_strings("command"), p.get_double("timeout_s"), p.get_int("cpu_s"), p.get_int("memory_mb")};
      fn = std::make_unique<ExternalReward>(s.name, o);
    } else if (auto* kind = find_builtin(s.name)) {
      fn = kind->make(Params(s.params, kind->params), ctx);
    } else {
      std::shared_ptr<PluginLibrary> lib;
      auto* def = find_plugin_reward(plugins_, s.name, &lib);
      fn = make_plugin_reward(lib, *def, s.params);
    }
    entries_.push_back(Entry{s.name, s.weight, std::move(fn)});
    names_.push_back(s.name);
  }
}

RewardSet::~RewardSet() {
  entries_.clear();  // rewards made by plugins go before their libraries
}

RewardScores RewardSet::score(const std::vector<RewardInput>& batch) {
  RewardScores out;
  out.total.assign(batch.size(), std::nullopt);
  for (auto& e : entries_) {
    std::vector<Score> s = e.fn->score(batch);
    if (s.size() != batch.size()) throw RunError("reward " + e.name + " returned " + std::to_string(s.size()) +
                                                 " scores for " + std::to_string(batch.size()) + " samples");
    long missing = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      if (!s[i]) {
        ++missing;
        continue;
      }
      out.total[i] = out.total[i].value_or(0.0) + e.weight * *s[i];
    }
    out.per_fn.emplace_back(e.name, std::move(s));
    out.no_score_counts.emplace_back(e.name, missing);
  }
  return out;
}

std::string list_reward_params() {
  std::ostringstream out;
  auto line = [&](const std::string& reward, const ParamSpec& p) {
    std::string def = p.def.is_string() ? p.def.get<std::string>() : p.def.dump();
    std::string comment = p.comment;
    if (!p.choices.empty()) {
      std::string c;
      for (auto& x : p.choices) c += (c.empty() ? "" : " | ") + x;
      comment += " (" + c + ")";
    }
    out << "rewards." << reward << "." << p.name << "\t" << to_string(p.type) << "\t" << def << "\t" << comment << "\n";
  };
  for (auto& k : builtin_rewards()) {
    out << "rewards." << k.name << ".weight\tfloat\t1\t" << k.comment << "\n";
    for (auto& p : k.params) line(k.name, p);
  }
  for (auto& p : external_reward_params())
    if (p.name != "command") line("<name>", p);  // rewards.<name>.command is listed by core
  return out.str();
}

}  // namespace zerorl
