#pragma once
// The GRPO policy loss and its normalisation variants, as a pure function of named tensors.
// B = sequences in the micro-batch, T = completion positions (right-padded; mask marks real loss tokens).
#include <cstdint>

#include <torch/torch.h>

#include "core/config.h"

namespace zerorl {

struct LossInputs {
  torch::Tensor logprobs;      // [B,T] log-probs of the sampled tokens under the policy being trained (grad)
  torch::Tensor old_logprobs;  // [B,T] under the policy that sampled them (no grad)
  torch::Tensor ref_logprobs;  // [B,T] under the frozen reference; undefined when beta == 0
  torch::Tensor advantages;    // [B] one advantage per sequence
  torch::Tensor mask;          // [B,T] float: 1 for tokens in the loss, 0 for padding and masked completions
};

// Counts over the WHOLE batch (every micro-batch of every rank), so that splitting a batch into
// micro-batches or ranks never changes grpo, dr_grpo or dapo.
struct LossNorm {
  double global_tokens = 0;     // dapo: loss tokens in the batch
  double global_sequences = 0;  // grpo, dr_grpo: sequences (rows) in the batch
  int64_t max_new_tokens = 0;   // dr_grpo: the constant length of Dr. GRPO's normaliser
  int64_t micro_batches = 1;    // bnpo: micro-batches over all ranks; its loss is their mean of token means
};

struct LossOutput {
  torch::Tensor loss;           // [] this micro-batch's share: the batch loss is the SUM over micro-batches
  // Sums over this micro-batch's loss tokens, for metrics (divide by the global token count).
  double tokens = 0;
  double kl_sum = 0;            // k3 estimator, 0 when beta == 0
  double low_clipped = 0;       // ratio < 1 - eps_low with a negative advantage
  double high_clipped = 0;      // ratio > 1 + eps_high with a positive advantage
  double region_clipped = 0;    // either
};

// Per-token objective (TRL / verl conventions):
//   ratio = exp(logprobs - old_logprobs)
//   l = -min(ratio * A, clip(ratio, 1 - eps_low, 1 + eps_high) * A)
//   dual clip (delta > 1, negative A only): l = min(l, -A * delta)
//   + beta * k3, k3 = exp(ref - logp) - (ref - logp) - 1
// then aggregated by cfg.loss_type:
//   grpo:    sum_b [ sum_t l*m / max(1, sum_t m) ] / global_sequences
//   bnpo:    [ sum l*m / max(1, sum m) ] / micro_batches      (local tokens, by definition)
//   dr_grpo: sum l*m / (global_sequences * max_new_tokens)
//   dapo:    sum l*m / global_tokens
LossOutput grpo_loss(const LossInputs& in, const GrpoConfig& cfg, const LossNorm& norm);

}  // namespace zerorl
