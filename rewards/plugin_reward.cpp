#include "rewards/plugin_reward.h"

#include <dlfcn.h>

#include <cmath>

#include <map>
#include <mutex>

#include "core/error.h"
#include "core/log.h"
#include "core/text.h"
#include "rewards/builtin_rewards.h"

namespace zerorl {
namespace {

struct Registration {
  PluginLibrary* lib;
  std::vector<ZerorlRewardDef>* defs;
  std::vector<std::string>* names;
  std::string error;
};

int registry_add(ZerorlRewardRegistry* reg, const ZerorlRewardDef* def) {
  auto* r = static_cast<Registration*>(reg->host);
  if (!def || !def->name || !def->create || !def->score || !def->destroy) {
    r->error = "a reward definition has a null name or function";
    return 1;
  }
  std::string name = def->name;
  bool ok = !name.empty();
  for (char c : name) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  if (!ok) {
    r->error = "reward name " + quote(name) + " must match [a-z0-9_]+";
    return 1;
  }
  if (find_builtin(name)) {
    r->error = "reward name " + quote(name) + " is a built-in reward";
    return 1;
  }
  for (auto& n : *r->names)
    if (n == name) {
      r->error = "reward " + quote(name) + " registered twice";
      return 1;
    }
  r->names->push_back(name);
  r->defs->push_back(*def);
  return 0;
}

void registry_set_error(ZerorlRewardRegistry* reg, const char* message) {
  static_cast<Registration*>(reg->host)->error = message ? message : "";
}

class PluginReward final : public Reward {
 public:
  PluginReward(std::shared_ptr<PluginLibrary> lib, const ZerorlRewardDef& def, void* state)
      : lib_(std::move(lib)), def_(def), state_(state), name_(def.name) {}
  ~PluginReward() override { def_.destroy(state_); }

  std::vector<Score> score(const std::vector<RewardInput>& batch) override {
    std::vector<std::string> rows;
    rows.reserve(batch.size());
    for (auto& in : batch) rows.push_back(in.row->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    std::vector<ZerorlRewardItem> items(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      const RewardInput& in = batch[i];
      items[i].prompt = {in.prompt.data(), in.prompt.size()};
      items[i].completion = {in.completion.data(), in.completion.size()};
      items[i].row_json = {rows[i].data(), rows[i].size()};
      items[i].completion_tokens = in.completion_tokens;
      items[i].finish_reason = static_cast<int32_t>(in.finish_reason);
    }
    std::vector<double> scores(batch.size(), 0.0);
    std::vector<unsigned char> has(batch.size(), 0);
    std::vector<Score> out(batch.size());
    if (batch.empty()) return out;
    int rc = def_.score(state_, items.data(), items.size(), scores.data(), has.data());
    if (rc != 0) {
      log_warn("reward " + name_ + " (plugin " + lib_->path() + "): score() returned " + std::to_string(rc) + "; " +
               std::to_string(batch.size()) + " samples get no score");
      return out;
    }
    for (size_t i = 0; i < batch.size(); ++i)
      if (has[i] && std::isfinite(scores[i])) out[i] = scores[i];
    return out;
  }

 private:
  std::shared_ptr<PluginLibrary> lib_;
  ZerorlRewardDef def_;
  void* state_;
  std::string name_;
};

}  // namespace

PluginLibrary::PluginLibrary(const std::string& path) : path_(path) {
  // dlopen searches LD_LIBRARY_PATH and the system directories for a name without a '/': a bare name is
  // taken relative to the working directory instead, so that only the file the config names is loaded.
  const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  handle_ = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) {
    const char* err = dlerror();
    throw InputError("rewards.plugins: cannot load " + quote(path) + ": " + (err ? err : "unknown error"));
  }
  auto fn = reinterpret_cast<ZerorlRegisterRewardsV1>(dlsym(handle_, ZERORL_REGISTER_REWARDS_V1));
  if (!fn) {
    dlclose(handle_);
    handle_ = nullptr;
    throw InputError("rewards.plugins: " + quote(path) + " does not export " ZERORL_REGISTER_REWARDS_V1
                     " (see rewards/plugin_abi.h)");
  }
  Registration reg{this, &defs_, &names_, ""};
  ZerorlRewardRegistry registry{ZERORL_REWARD_ABI_VERSION, &reg, registry_add, registry_set_error};
  int rc = fn(&registry);
  if (rc != 0 || !reg.error.empty()) {
    std::string msg = reg.error.empty() ? "registration returned " + std::to_string(rc) : reg.error;
    defs_.clear();
    dlclose(handle_);
    handle_ = nullptr;
    throw InputError("rewards.plugins: " + quote(path) + ": " + msg);
  }
  // defs_ point at names inside the library; keep our own copies alive for name lookups.
  for (size_t i = 0; i < defs_.size(); ++i) defs_[i].name = names_[i].c_str();
}

PluginLibrary::~PluginLibrary() {
  if (handle_) dlclose(handle_);
}

const ZerorlRewardDef* PluginLibrary::find(const std::string& name) const {
  for (auto& d : defs_)
    if (name == d.name) return &d;
  return nullptr;
}

std::shared_ptr<PluginLibrary> load_plugin(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<PluginLibrary>> loaded;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = loaded.find(path); it != loaded.end())
    if (auto lib = it->second.lock()) return lib;
  auto lib = std::make_shared<PluginLibrary>(path);
  loaded[path] = lib;
  return lib;
}

std::unique_ptr<Reward> make_plugin_reward(std::shared_ptr<PluginLibrary> lib, const ZerorlRewardDef& def,
                                           const nlohmann::json& params) {
  std::string p = params.dump();
  char err[512] = {0};
  void* state = def.create(p.c_str(), p.size(), err, sizeof(err));
  if (!state) {
    err[sizeof(err) - 1] = '\0';
    throw InputError("rewards." + std::string(def.name) + ": " + (err[0] ? err : "the plugin's create() failed") +
                     " (plugin " + lib->path() + ")");
  }
  return std::make_unique<PluginReward>(std::move(lib), def, state);
}

}  // namespace zerorl
