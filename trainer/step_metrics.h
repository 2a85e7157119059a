#pragma once
// The metrics of one step under TRL's names (DESIGN.md), the progress-line summary, and the sample of
// completions written to completions.jsonl.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trainer/advantages.h"
#include "trainer/dataset.h"
#include "trainer/rollouts.h"

namespace zerorl {

// What the update phase measured (sums over its passes; tokens counts each pass's loss tokens).
struct UpdateResult {
  double loss = 0;           // mean over passes of the batch loss
  double grad_norm = 0;      // mean over applied passes, before clipping
  double learning_rate = 0;
  double tokens = 0, kl_sum = 0, low_clipped = 0, high_clipped = 0, region_clipped = 0;
  double entropy_sum = 0, entropy_tokens = 0;  // first pass only
  bool skipped = false;      // a non-finite loss or gradient: no update applied
  int64_t passes = 0;
};

// reward, reward_std, rewards/<fn>/{mean,std,no_score}, no_score, frac_reward_zero_std,
// completions/{mean,min,max}_length, completions/clipped_ratio, completions/recheck_ratio (when asked).
// group_std: [P] per-group std of the drawn groups.
void add_rollout_metrics(nlohmann::json& row, const Rollouts& drawn, const std::vector<double>& group_std,
                         double frac_zero_std, bool recheck);

// loss, grad_norm, learning_rate, entropy, kl (beta > 0), clip_ratio/{low,high,region}_mean.
void add_update_metrics(nlohmann::json& row, const UpdateResult& u, bool with_kl);

// "reward 0.81 acc 0.62 fmt 0.90 len 31 loss 0.012 gn 0.42"
std::string progress_text(const nlohmann::json& row);

// `count` samples of the trained batch, evenly spaced: prompt, completion, rewards, advantage.
std::vector<nlohmann::json> completion_rows(int64_t step, const Rollouts& batch, const torch::Tensor& advantages,
                                            const std::vector<Example>& data, int64_t count);

}  // namespace zerorl
