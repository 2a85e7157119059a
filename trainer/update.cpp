#include "trainer/update.h"

#include <algorithm>

#include "model/thread_pool.h"
#include "model/threads.h"

namespace zerorl {

namespace {
torch::Tensor tempered(const torch::Tensor& logits, double temperature) {
  // bf16 logits (autocast) are upcast: log-softmax differences need float32's mantissa
  auto l = logits.scalar_type() == torch::kFloat64 ? logits : logits.to(torch::kFloat32);
  return temperature > 0 && temperature != 1.0 ? l / temperature : l;
}
}  // namespace

torch::Tensor token_logprobs(const torch::Tensor& logits, const torch::Tensor& ids, double temperature) {
  TORCH_CHECK(logits.dim() == 3 && ids.dim() == 2 && logits.size(0) == ids.size(0) && logits.size(1) == ids.size(1),
              "token_logprobs: logits ", logits.sizes(), " do not match ids ", ids.sizes());
  const int64_t len = ids.size(1);
  auto l = tempered(logits.narrow(1, 0, len - 1), temperature);          // [B,L-1,V]
  auto targets = ids.narrow(1, 1, len - 1).unsqueeze(-1);                // [B,L-1,1]
  // gather - logsumexp: never materialises a second [B,L,V] tensor in the forward pass
  return l.gather(-1, targets).squeeze(-1) - l.logsumexp(-1);            // [B,L-1]
}

torch::Tensor token_entropy(const torch::Tensor& logits, double temperature) {
  auto l = tempered(logits.narrow(1, 0, logits.size(1) - 1), temperature);
  auto logp = l.log_softmax(-1);
  return -(logp.exp() * logp).sum(-1);                                   // [B,L-1]
}

torch::Tensor batch_logprobs(const ForwardFn& model, const TrainBatch& batch,
                             const std::vector<std::vector<int64_t>>& micro_batches, double temperature) {
  torch::NoGradGuard no_grad;
  auto out = torch::zeros({batch.size(), batch.input_ids.size(1) - 1}, torch::kFloat32);
  for (auto& rows : micro_batches) {
    auto mb = select_rows(batch, rows);
    auto lp = token_logprobs(model(mb.input_ids, mb.attention_mask), mb.input_ids, temperature).cpu();
    auto index = torch::tensor(rows, torch::kInt64);
    out.index_copy_(0, index, torch::constant_pad_nd(lp, {0, out.size(1) - lp.size(1)}));
  }
  return out;
}

LossNorm loss_norm(const TrainBatch& batch, int64_t micro_batches, int64_t max_new_tokens, const Dist& dist) {
  std::vector<double> counts = {batch.loss_mask.sum().item<double>(), double(batch.size()), double(micro_batches)};
  dist.all_reduce_counts(counts);
  LossNorm n;
  n.global_tokens = counts[0];
  n.global_sequences = counts[1];
  n.micro_batches = int64_t(counts[2]);
  n.max_new_tokens = max_new_tokens;
  return n;
}

namespace {

// Forward, loss and entropy of one micro-batch (or a chunk of one); the loss is left for the caller's backward.
struct ShareResult {
  torch::Tensor loss;
  PassStats stats;
};

ShareResult loss_share(const ForwardFn& model, const TrainBatch& mb, const GrpoConfig& cfg, const LossNorm& norm,
                       double temperature, const std::function<void(torch::Tensor&)>& loss_hook) {
  auto logits = model(mb.input_ids, mb.attention_mask);               // [B,L,V]
  LossInputs in;
  in.logprobs = token_logprobs(logits, mb.input_ids, temperature);    // [B,L-1]
  auto device = in.logprobs.device();
  in.old_logprobs = mb.old_logprobs.defined() ? mb.old_logprobs.to(device) : in.logprobs.detach();
  if (mb.ref_logprobs.defined()) in.ref_logprobs = mb.ref_logprobs.to(device);
  in.advantages = mb.advantages.to(device);
  in.mask = mb.loss_mask.to(device);
  auto out = grpo_loss(in, cfg, norm);
  ShareResult r;
  {
    torch::NoGradGuard no_grad;
    r.stats.entropy_sum = (token_entropy(logits.detach(), temperature) * in.mask).sum().item<double>();
  }
  if (loss_hook) loss_hook(out.loss);
  r.loss = out.loss;
  r.stats.loss = out.loss.item<double>();
  r.stats.tokens = out.tokens;
  r.stats.kl_sum = out.kl_sum;
  r.stats.low_clipped = out.low_clipped;
  r.stats.high_clipped = out.high_clipped;
  r.stats.region_clipped = out.region_clipped;
  return r;
}

void add_stats(PassStats& s, const PassStats& x) {
  s.loss += x.loss;
  s.tokens += x.tokens;
  s.kl_sum += x.kl_sum;
  s.low_clipped += x.low_clipped;
  s.high_clipped += x.high_clipped;
  s.region_clipped += x.region_clipped;
  s.entropy_sum += x.entropy_sum;
}

// One micro-batch split over threads; the chunks' gradients are added into .grad in chunk order.
void split_pass(const ForwardFn& model, const TrainBatch& mb, const GrpoConfig& cfg, const LossNorm& norm,
                double temperature, const std::function<void(torch::Tensor&)>& loss_hook, const GradientSplit& split,
                PassStats& total) {
  const int64_t n = mb.size();
  const int chunks = static_cast<int>(std::min<int64_t>(split.threads, n));
  std::vector<std::vector<torch::Tensor>> grads(chunks);
  std::vector<PassStats> stats(chunks);
  {
    SingleThreadedBlas one_blas_thread(chunks > 1);
    run_chunks(chunks, [&](int c) {
      std::vector<int64_t> rows;
      for (int64_t r = n * c / chunks; r < n * (c + 1) / chunks; ++r) rows.push_back(r);
      torch::AutoGradMode grad_mode(true);  // grad mode is per thread
      ShareResult share = loss_share(model, select_rows(mb, rows), cfg, norm, temperature, loss_hook);
      grads[c] = torch::autograd::grad({share.loss}, split.params, {}, /*retain_graph=*/false,
                                       /*create_graph=*/false, /*allow_unused=*/true);
      stats[c] = share.stats;
    });
  }
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < split.params.size(); ++i) {
    torch::Tensor sum;
    for (int c = 0; c < chunks; ++c) {
      const torch::Tensor& g = grads[c][i];
      if (!g.defined()) continue;
      sum = sum.defined() ? sum + g : g.clone();
    }
    if (!sum.defined()) continue;
    const torch::Tensor& p = split.params[i];
    if (p.grad().defined()) p.mutable_grad().add_(sum);
    else p.mutable_grad() = sum;
  }
  for (const auto& s : stats) add_stats(total, s);
}

}  // namespace

GradientSplit row_split(const torch::Tensor& weight, std::vector<torch::Tensor> params) {
  if (!weight.device().is_cpu() || weight.scalar_type() != torch::kFloat) return {};
  return {row_threads(), std::move(params)};
}

PassStats accumulate_gradients(const ForwardFn& model, const TrainBatch& batch,
                               const std::vector<std::vector<int64_t>>& micro_batches, const GrpoConfig& cfg,
                               const LossNorm& norm, double temperature,
                               const std::function<void(torch::Tensor&)>& loss_hook, const GradientSplit& split) {
  const bool threaded = split.threads > 1 && !split.params.empty() && cfg.loss_type != LossType::Bnpo;
  PassStats s;
  for (auto& rows : micro_batches) {
    auto mb = select_rows(batch, rows);
    if (threaded && mb.size() > 1) {
      split_pass(model, mb, cfg, norm, temperature, loss_hook, split, s);
      continue;
    }
    ShareResult share = loss_share(model, mb, cfg, norm, temperature, loss_hook);
    share.loss.backward();
    add_stats(s, share.stats);
  }
  return s;
}

}  // namespace zerorl
