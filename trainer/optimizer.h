#pragma once
// AdamW with parameter groups, written out (rather than torch::optim::AdamW) so that its state is a flat list
// of named tensors: saved to and restored from safetensors bit for bit, and never touched by a skipped step.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "core/config.h"

namespace zerorl {

struct ParamGroup {
  std::vector<std::string> names;     // stable names (model.named_parameters), for the saved state
  std::vector<torch::Tensor> params;
  double weight_decay = 0;
};

// Two groups: decayed (matrices) and not decayed (norms, biases, embeddings unless
// cfg.decay_norms_biases_embeddings). A tensor shared under two names (tied embeddings) appears once.
std::vector<ParamGroup> make_param_groups(const std::vector<std::pair<std::string, torch::Tensor>>& named,
                                          const OptimConfig& cfg);

class AdamW {
 public:
  AdamW(std::vector<ParamGroup> groups, const OptimConfig& cfg);

  // One update at learning rate lr from the parameters' .grad() (a missing grad counts as zero).
  void step(double lr);
  void zero_grad();
  int64_t steps() const { return steps_; }
  std::vector<torch::Tensor> params() const;

  // The state as named tensors: "exp_avg/<param>", "exp_avg_sq/<param>", and "step" (int64 scalar).
  std::vector<std::pair<std::string, torch::Tensor>> state() const;
  // Restore exactly; throws InputError naming the first missing or mis-shaped entry (where = file name).
  void load_state(const std::vector<std::pair<std::string, torch::Tensor>>& state, const std::string& where);

 private:
  std::vector<ParamGroup> groups_;
  std::vector<std::vector<torch::Tensor>> exp_avg_, exp_avg_sq_;  // [group][param]
  double beta1_, beta2_, eps_;
  int64_t steps_ = 0;
};

// Total L2 norm of the gradients (float64). When max_norm > 0 and the norm is finite and above it, the
// gradients are scaled by max_norm / (norm + 1e-6), as torch.nn.utils.clip_grad_norm_.
double clip_grad_norm(const std::vector<torch::Tensor>& params, double max_norm);

// Learning rate for the update with 0-based index `step` out of `total_steps`: linear warm-up
// lr * (step + 1) / warmup_steps, then constant, cosine or linear decay to lr * min_lr_ratio at the last step.
double learning_rate(int64_t step, int64_t total_steps, const OptimConfig& cfg);

}  // namespace zerorl
