#pragma once
// The rewards of a run, built from the config: built-in names, plugin-registered names and
// external commands. The total is the weighted sum over non-null scores.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "rewards/reward.h"

namespace zerorl {

struct RewardScores {
  std::vector<Score> total;                                     // null when every reward gave no score
  std::vector<std::pair<std::string, std::vector<Score>>> per_fn;  // in config order
  std::vector<std::pair<std::string, long>> no_score_counts;       // per reward, in this batch
};

class PluginLibrary;

class RewardSet {
 public:
  explicit RewardSet(const Config& cfg);  // throws InputError for unknown names / bad params
  ~RewardSet();
  RewardScores score(const std::vector<RewardInput>& batch);
  const std::vector<std::string>& names() const { return names_; }

 private:
  struct Entry {
    std::string name;
    double weight;
    std::unique_ptr<Reward> fn;
  };
  std::vector<std::shared_ptr<PluginLibrary>> plugins_;
  std::vector<Entry> entries_;
  std::vector<std::string> names_;
};

// For load_config(..., extra_checks): unknown reward names (with did-you-mean), unknown or
// mistyped parameters, unloadable plugins; each one line naming rewards.<name>.<param>.
void check_rewards_config(const Config& cfg, std::vector<std::string>& problems);

// Lines "rewards.<name>.<param>\ttype\tdefault\tcomment" for `zerorl config --list`.
std::string list_reward_params();

}  // namespace zerorl
