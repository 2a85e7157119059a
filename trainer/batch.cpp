#include "trainer/batch.h"

#include <algorithm>

namespace zerorl {

TrainBatch make_batch(const std::vector<std::vector<int64_t>>& prompts,
                      const std::vector<std::vector<int64_t>>& completions, const std::vector<bool>& in_loss,
                      const torch::Tensor& advantages, int64_t pad_id) {
  const int64_t n = int64_t(prompts.size());
  TORCH_CHECK(completions.size() == prompts.size() && in_loss.size() == prompts.size(),
              "make_batch: prompts, completions and in_loss differ in size");
  TORCH_CHECK(advantages.dim() == 1 && advantages.size(0) == n, "make_batch: advantages must be [N]");
  TrainBatch b;
  int64_t longest = 2;
  for (int64_t i = 0; i < n; ++i) {
    b.lengths.push_back(int64_t(prompts[i].size() + completions[i].size()));
    longest = std::max(longest, b.lengths.back());
  }
  b.input_ids = torch::full({n, longest}, pad_id, torch::kInt64);
  b.attention_mask = torch::zeros({n, longest}, torch::kInt64);
  b.loss_mask = torch::zeros({n, longest - 1}, torch::kFloat32);
  auto ids = b.input_ids.accessor<int64_t, 2>();
  auto attn = b.attention_mask.accessor<int64_t, 2>();
  auto lm = b.loss_mask.accessor<float, 2>();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t p = int64_t(prompts[i].size()), c = int64_t(completions[i].size());
    TORCH_CHECK(p >= 1, "make_batch: sequence ", i, " has an empty prompt");
    for (int64_t t = 0; t < p; ++t) ids[i][t] = prompts[i][t];
    for (int64_t t = 0; t < c; ++t) ids[i][p + t] = completions[i][t];
    for (int64_t t = 0; t < p + c; ++t) attn[i][t] = 1;
    if (in_loss[i])
      for (int64_t t = 0; t < c; ++t) lm[i][p - 1 + t] = 1.0f;  // logits at p-1+t predict completion token t
  }
  b.advantages = advantages.to(torch::kFloat32).contiguous();
  return b;
}

std::vector<std::vector<int64_t>> split_micro_batches(const std::vector<int64_t>& lengths, int64_t max_tokens) {
  std::vector<int64_t> order(lengths.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = int64_t(i);
  if (max_tokens <= 0) return order.empty() ? std::vector<std::vector<int64_t>>{} : std::vector<std::vector<int64_t>>{order};
  // Longest first, so each micro-batch is padded only to its own first row (stable: ties keep their order).
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return lengths[size_t(a)] > lengths[size_t(b)]; });
  std::vector<std::vector<int64_t>> out;
  for (int64_t i : order) {
    if (out.empty() || lengths[size_t(out.back().front())] * int64_t(out.back().size() + 1) > max_tokens)
      out.emplace_back();
    out.back().push_back(i);
  }
  return out;
}

TrainBatch select_rows(const TrainBatch& batch, const std::vector<int64_t>& rows) {
  TrainBatch b;
  int64_t longest = 2;
  for (auto r : rows) {
    b.lengths.push_back(batch.lengths.at(size_t(r)));
    longest = std::max(longest, b.lengths.back());
  }
  auto index = torch::tensor(rows, torch::kInt64);
  auto take = [&](const torch::Tensor& t, int64_t len) {
    if (!t.defined()) return torch::Tensor();
    auto x = t.index_select(0, index.to(t.device()));
    return x.dim() == 2 ? x.narrow(1, 0, len).contiguous() : x;
  };
  b.input_ids = take(batch.input_ids, longest);
  b.attention_mask = take(batch.attention_mask, longest);
  b.loss_mask = take(batch.loss_mask, longest - 1);
  b.advantages = take(batch.advantages, 0);
  b.old_logprobs = take(batch.old_logprobs, longest - 1);
  b.ref_logprobs = take(batch.ref_logprobs, longest - 1);
  return b;
}

}  // namespace zerorl
