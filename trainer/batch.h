#pragma once
// The training batch of one step as named tensors, and its split into micro-batches.
// N = sequences (prompts x group size), L = longest prompt + completion; logits at position t predict t + 1,
// so per-token tensors are [N, L-1] and position t scores token t + 1.
#include <cstdint>
#include <vector>

#include <torch/torch.h>

namespace zerorl {

struct TrainBatch {
  torch::Tensor input_ids;       // [N,L] int64: prompt then completion, right-padded with the pad id
  torch::Tensor attention_mask;  // [N,L] int64: 1 on real tokens
  torch::Tensor loss_mask;       // [N,L-1] float32: 1 where the target token is a completion token in the loss
  torch::Tensor advantages;      // [N] float32
  torch::Tensor old_logprobs;    // [N,L-1] policy that sampled; undefined when num_iterations == 1
  torch::Tensor ref_logprobs;    // [N,L-1] frozen reference; undefined when beta == 0
  std::vector<int64_t> lengths;  // [N] prompt + completion tokens
  int64_t size() const { return int64_t(lengths.size()); }
};

// Build a batch. in_loss[i] false leaves sequence i out of the loss (mask_truncated_completions).
TrainBatch make_batch(const std::vector<std::vector<int64_t>>& prompts,
                      const std::vector<std::vector<int64_t>>& completions, const std::vector<bool>& in_loss,
                      const torch::Tensor& advantages /*[N]*/, int64_t pad_id);

// Micro-batches whose padded size (rows x longest row) stays within max_tokens: rows sorted longest first
// (stable), then packed greedily, so that rows of similar length share a micro-batch and little padding
// is computed; a row longer than the budget goes alone. max_tokens 0 = one micro-batch of all rows in
// order. Depends only on the lengths, so every rank and every resumed run splits the same way.
std::vector<std::vector<int64_t>> split_micro_batches(const std::vector<int64_t>& lengths, int64_t max_tokens);

// The rows of a micro-batch, trimmed to their longest sequence. Undefined tensors stay undefined.
TrainBatch select_rows(const TrainBatch& batch, const std::vector<int64_t>& rows);

}  // namespace zerorl
