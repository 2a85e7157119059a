#pragma once
// The explicit name-to-factory table of built-in rewards, with each reward's parameters.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rewards/reward.h"
#include "rewards/reward_params.h"

namespace zerorl {

// What a reward may need from the run's config besides its own parameters.
struct RewardContext {
  std::string answer_field = "answer";  // data.answer_field
  int64_t max_new_tokens = 0;           // rollout.max_new_tokens (soft_overlong's default max_len)
};

using RewardFactory = std::function<std::unique_ptr<Reward>(const Params&, const RewardContext&)>;

struct RewardKind {
  std::string name;
  std::string comment;
  std::vector<ParamSpec> params;
  RewardFactory make;
};

const std::vector<RewardKind>& builtin_rewards();
const RewardKind* find_builtin(const std::string& name);

// The gold answer of a row: the field named by data.answer_field, else gold, answer, solution.
// Numbers are written as JSON; nullopt when no such field holds a string or a number.
std::optional<std::string> gold_text(const nlohmann::json& row, const std::string& answer_field);

}  // namespace zerorl
