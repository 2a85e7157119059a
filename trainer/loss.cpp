#include "trainer/loss.h"

#include <algorithm>

namespace zerorl {

LossOutput grpo_loss(const LossInputs& in, const GrpoConfig& cfg, const LossNorm& norm) {
  TORCH_CHECK(in.logprobs.dim() == 2, "logprobs must be [B,T], got ", in.logprobs.sizes());
  TORCH_CHECK(in.old_logprobs.sizes() == in.logprobs.sizes(), "old_logprobs ", in.old_logprobs.sizes(),
              " != logprobs ", in.logprobs.sizes());
  TORCH_CHECK(in.mask.sizes() == in.logprobs.sizes(), "mask ", in.mask.sizes(), " != logprobs ",
              in.logprobs.sizes());
  TORCH_CHECK(in.advantages.dim() == 1 && in.advantages.size(0) == in.logprobs.size(0), "advantages must be [B]");
  TORCH_CHECK(cfg.delta == 0 || cfg.delta > 1, "grpo.delta must be 0 (off) or > 1, got ", cfg.delta);
  const bool use_kl = cfg.beta != 0;
  TORCH_CHECK(!use_kl || (in.ref_logprobs.defined() && in.ref_logprobs.sizes() == in.logprobs.sizes()),
              "beta > 0 needs ref_logprobs of shape ", in.logprobs.sizes());

  auto mask = in.mask.to(in.logprobs.dtype());                          // [B,T]
  auto adv = in.advantages.to(in.logprobs.dtype()).unsqueeze(1);        // [B,1]
  auto ratio = torch::exp(in.logprobs - in.old_logprobs.detach());      // [B,T]
  auto clipped = torch::clamp(ratio, 1.0 - cfg.epsilon_low, 1.0 + cfg.epsilon_high);
  auto per_token = -torch::min(ratio * adv, clipped * adv);             // [B,T]
  if (cfg.delta > 0)  // dual clip: a negative advantage cannot push the loss above -A * delta
    per_token = torch::where(adv < 0, torch::min(per_token, -adv * cfg.delta), per_token);
  torch::Tensor kl;
  if (use_kl) {
    auto d = in.ref_logprobs.detach() - in.logprobs;                    // [B,T]
    kl = torch::exp(d) - d - 1.0;
    per_token = per_token + cfg.beta * kl;
  }

  auto masked = per_token * mask;                                       // [B,T]
  LossOutput out;
  switch (cfg.loss_type) {
    case LossType::Grpo: {
      auto per_seq = masked.sum(1) / mask.sum(1).clamp_min(1.0);        // [B]
      out.loss = per_seq.sum() / std::max(norm.global_sequences, 1.0);
      break;
    }
    case LossType::Bnpo:
      out.loss = masked.sum() / mask.sum().clamp_min(1.0) / double(std::max<int64_t>(norm.micro_batches, 1));
      break;
    case LossType::DrGrpo:
      out.loss = masked.sum() /
                 std::max(norm.global_sequences * double(std::max<int64_t>(norm.max_new_tokens, 1)), 1.0);
      break;
    case LossType::Dapo:
      out.loss = masked.sum() / std::max(norm.global_tokens, 1.0);
      break;
  }

  torch::NoGradGuard no_grad;
  auto r = ratio.detach();
  auto low = ((r < 1.0 - cfg.epsilon_low) & (adv < 0)).to(mask.dtype()) * mask;
  auto high = ((r > 1.0 + cfg.epsilon_high) & (adv > 0)).to(mask.dtype()) * mask;
  out.tokens = mask.sum().item<double>();
  out.low_clipped = low.sum().item<double>();
  out.high_clipped = high.sum().item<double>();
  out.region_clipped = out.low_clipped + out.high_clipped;  // disjoint: the sign of A tells them apart
  if (use_kl) out.kl_sum = (kl.detach() * mask).sum().item<double>();
  return out;
}

}  // namespace zerorl
