#pragma once
// Group-relative advantages (GRPO): each completion's reward against the other completions of its prompt.
#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "core/config.h"

namespace zerorl {

struct Advantages {
  torch::Tensor values;          // [P*G] float32: (r - group mean), scaled as cfg.scale_rewards says
  torch::Tensor group_std;       // [P] float64: unbiased std of each group's rewards (0 when G == 1)
  std::vector<bool> zero_std;    // [P] the group's rewards are all equal: no learning signal
  double frac_zero_std = 0;      // share of zero_std groups (the metric frac_reward_zero_std)
};

// rewards: [P*G], completions of one prompt contiguous. scale: group -> / (group std + eps);
// batch -> / (std of the whole batch + eps); none (Dr. GRPO) -> unscaled.
// Standard deviations are unbiased (Bessel), as torch.std in TRL and verl. batch_std >= 0 replaces the
// local batch std (data parallel: the std of the whole batch over all ranks).
Advantages group_advantages(const torch::Tensor& rewards /*[P*G]*/, int64_t group_size, ScaleRewards scale,
                            double eps, double batch_std = -1);

// Indices of the groups that keep a learning signal (DAPO dynamic sampling keeps only these).
std::vector<int64_t> groups_with_signal(const std::vector<bool>& zero_std);

}  // namespace zerorl
