#pragma once
// Log-probs of a batch under a model, and one gradient pass of the GRPO loss over micro-batches.
// The model is a callable (ids, attention mask) -> logits so that tests can pass a toy model.
#include <cstdint>
#include <functional>
#include <vector>

#include <torch/torch.h>

#include "core/config.h"
#include "trainer/batch.h"
#include "trainer/dist.h"
#include "trainer/loss.h"

namespace zerorl {

// (input_ids [B,L] int64, attention_mask [B,L] int64) -> logits [B,L,V]
using ForwardFn = std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)>;

// logits [B,L,V] (scaled by 1/temperature when temperature > 0), ids [B,L] -> log p(ids[:,t+1]) [B,L-1].
torch::Tensor token_logprobs(const torch::Tensor& logits, const torch::Tensor& ids, double temperature);

// Per-token entropy of the (tempered) next-token distribution: [B,L,V] -> [B,L-1].
torch::Tensor token_entropy(const torch::Tensor& logits, double temperature);

// Log-probs of the whole batch under `model`, without gradients, micro-batch by micro-batch: [N,L-1].
torch::Tensor batch_logprobs(const ForwardFn& model, const TrainBatch& batch,
                             const std::vector<std::vector<int64_t>>& micro_batches, double temperature);

// Global normaliser counts of a batch (all micro-batches, summed over ranks through dist).
LossNorm loss_norm(const TrainBatch& batch, int64_t micro_batches, int64_t max_new_tokens, const Dist& dist);

struct PassStats {
  double loss = 0;          // the batch loss (sum of the micro-batch shares)
  double tokens = 0;        // loss tokens (local)
  double kl_sum = 0, low_clipped = 0, high_clipped = 0, region_clipped = 0, entropy_sum = 0;
};

// One pass: forward, loss and backward on each micro-batch, gradients accumulated in the parameters.
// old_logprobs undefined means "the policy that sampled is the current one" (num_iterations == 1):
// the detached current log-probs are used, so the ratio is exactly 1 with the right gradient.
// loss_hook (tests only) may replace each micro-batch loss before backward (e.g. with NaN).
//
// Threads: with split.threads > 1 the rows of each micro-batch are cut into that many chunks that run at
// once (model/thread_pool.h, OpenBLAS held to one thread per call); each chunk takes the gradient of its
// share of the loss with autograd::grad, and the shares are added into .grad in chunk order. That is the
// same gradient up to float rounding, and the same bits for the same thread count. For CPU float32 models,
// whose autograd otherwise runs on one thread (model/threads.h). bnpo, whose loss is a per-micro-batch token
// mean, always runs on one thread; split.params must hold every parameter that wants a gradient.
struct GradientSplit {
  int threads = 1;
  std::vector<torch::Tensor> params;
};
// The split for a model whose weights look like `weight`: row_threads() on the CPU in float32, else none.
GradientSplit row_split(const torch::Tensor& weight, std::vector<torch::Tensor> params);
PassStats accumulate_gradients(const ForwardFn& model, const TrainBatch& batch,
                               const std::vector<std::vector<int64_t>>& micro_batches, const GrpoConfig& cfg,
                               const LossNorm& norm, double temperature,
                               const std::function<void(torch::Tensor&)>& loss_hook = nullptr,
                               const GradientSplit& split = {});

}  // namespace zerorl
