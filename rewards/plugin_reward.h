#pragma once
// Reward plugins: shared libraries loaded with dlopen, only from paths in rewards.plugins, that
// register rewards through rewards/plugin_abi.h.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rewards/plugin_abi.h"
#include "rewards/reward.h"

namespace zerorl {

class PluginLibrary {
 public:
  // Loads the library and runs its registration; throws InputError naming the path on failure.
  explicit PluginLibrary(const std::string& path);
  ~PluginLibrary();
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

  const std::string& path() const { return path_; }
  const std::vector<ZerorlRewardDef>& rewards() const { return defs_; }
  const ZerorlRewardDef* find(const std::string& name) const;

 private:
  std::string path_;
  void* handle_ = nullptr;
  std::vector<ZerorlRewardDef> defs_;
  std::vector<std::string> names_;  // owned copies of the registered names
};

// A loaded library, shared with every reward it made (the library stays loaded while they live).
// Loading the same path twice reuses it.
std::shared_ptr<PluginLibrary> load_plugin(const std::string& path);

// A reward created by a plugin; throws InputError "rewards.<name>: <plugin message>" when
// create() fails.
std::unique_ptr<Reward> make_plugin_reward(std::shared_ptr<PluginLibrary> lib, const ZerorlRewardDef& def,
                                           const nlohmann::json& params);

}  // namespace zerorl
