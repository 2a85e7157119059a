#include "trainer/optimizer.h"

#include <cmath>
#include <map>
#include <unordered_set>

#include "core/error.h"

namespace zerorl {

namespace {
bool exempt_from_decay(const std::string& name, const torch::Tensor& p) {
  // Norm weights and biases are vectors; embeddings are named so by every HF family (embed_tokens, wte).
  return p.dim() < 2 || name.find("embed") != std::string::npos || name.find("wte") != std::string::npos;
}
}  // namespace

std::vector<ParamGroup> make_param_groups(const std::vector<std::pair<std::string, torch::Tensor>>& named,
                                          const OptimConfig& cfg) {
  ParamGroup decay, no_decay;
  decay.weight_decay = cfg.weight_decay;
  no_decay.weight_decay = 0.0;
  std::unordered_set<const void*> seen;
  for (auto& [name, p] : named) {
    if (!p.requires_grad()) continue;
    if (!seen.insert(p.unsafeGetTensorImpl()).second) continue;  // tied weights: one update only
    bool exempt = !cfg.decay_norms_biases_embeddings && exempt_from_decay(name, p);
    auto& g = exempt ? no_decay : decay;
    g.names.push_back(name);
    g.params.push_back(p);
  }
  std::vector<ParamGroup> groups;
  if (!decay.params.empty()) groups.push_back(std::move(decay));
  if (!no_decay.params.empty()) groups.push_back(std::move(no_decay));
  return groups;
}

AdamW::AdamW(std::vector<ParamGroup> groups, const OptimConfig& cfg)
    : groups_(std::move(groups)), beta1_(cfg.beta1), beta2_(cfg.beta2), eps_(cfg.eps) {
  for (auto& g : groups_) {
    exp_avg_.emplace_back();
    exp_avg_sq_.emplace_back();
    for (auto& p : g.params) {
      exp_avg_.back().push_back(torch::zeros_like(p, torch::MemoryFormat::Preserve));
      exp_avg_sq_.back().push_back(torch::zeros_like(p, torch::MemoryFormat::Preserve));
    }
  }
}

void AdamW::step(double lr) {
  torch::NoGradGuard no_grad;
  ++steps_;
  const double bc1 = 1.0 - std::pow(beta1_, double(steps_));
  const double bc2 = 1.0 - std::pow(beta2_, double(steps_));
  const double step_size = lr / bc1;
  const double bc2_sqrt = std::sqrt(bc2);
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    auto& g = groups_[gi];
    for (size_t i = 0; i < g.params.size(); ++i) {
      auto& p = g.params[i];
      auto grad = p.grad();
      if (!grad.defined()) grad = torch::zeros_like(p);
      auto& m = exp_avg_[gi][i];
      auto& v = exp_avg_sq_[gi][i];
      // The same sequence of operations as torch.optim.AdamW (single-tensor path).
      if (g.weight_decay != 0) p.mul_(1.0 - lr * g.weight_decay);
      m.lerp_(grad, 1.0 - beta1_);
      v.mul_(beta2_).addcmul_(grad, grad, 1.0 - beta2_);
      auto denom = (v.sqrt() / bc2_sqrt).add_(eps_);
      p.addcdiv_(m, denom, -step_size);
    }
  }
}

void AdamW::zero_grad() {
  for (auto& g : groups_)
    for (auto& p : g.params)
      if (p.grad().defined()) p.mutable_grad() = torch::Tensor();
}

std::vector<torch::Tensor> AdamW::params() const {
  std::vector<torch::Tensor> out;
  for (auto& g : groups_) out.insert(out.end(), g.params.begin(), g.params.end());
  return out;
}

std::vector<std::pair<std::string, torch::Tensor>> AdamW::state() const {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  out.emplace_back("step", torch::tensor(steps_, torch::kInt64));
  for (size_t gi = 0; gi < groups_.size(); ++gi)
    for (size_t i = 0; i < groups_[gi].params.size(); ++i) {
      out.emplace_back("exp_avg/" + groups_[gi].names[i], exp_avg_[gi][i]);
      out.emplace_back("exp_avg_sq/" + groups_[gi].names[i], exp_avg_sq_[gi][i]);
    }
  return out;
}

void AdamW::load_state(const std::vector<std::pair<std::string, torch::Tensor>>& state, const std::string& where) {
  std::map<std::string, torch::Tensor> by_name(state.begin(), state.end());
  auto get = [&](const std::string& key, const torch::Tensor& like) {
    auto it = by_name.find(key);
    if (it == by_name.end()) throw InputError(where + ": optimizer state has no entry '" + key + "'");
    if (like.defined() && it->second.sizes() != like.sizes())
      throw InputError(where + ": optimizer state '" + key + "' has the wrong shape");
    return it->second;
  };
  torch::NoGradGuard no_grad;
  auto step = get("step", torch::Tensor());
  if (step.numel() != 1) throw InputError(where + ": optimizer state 'step' is not a scalar");
  steps_ = step.to(torch::kInt64).item<int64_t>();
  for (size_t gi = 0; gi < groups_.size(); ++gi)
    for (size_t i = 0; i < groups_[gi].params.size(); ++i) {
      auto& name = groups_[gi].names[i];
      exp_avg_[gi][i].copy_(get("exp_avg/" + name, exp_avg_[gi][i]));
      exp_avg_sq_[gi][i].copy_(get("exp_avg_sq/" + name, exp_avg_sq_[gi][i]));
    }
}

double clip_grad_norm(const std::vector<torch::Tensor>& params, double max_norm) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> norms;
  for (auto& p : params)
    if (p.grad().defined()) norms.push_back(p.grad().norm(2).to(torch::kFloat64));
  if (norms.empty()) return 0.0;
  double total = torch::stack(norms).norm(2).item<double>();
  if (max_norm > 0 && std::isfinite(total) && total > max_norm) {
    double coef = max_norm / (total + 1e-6);
    for (auto& p : params)
      if (p.grad().defined()) p.mutable_grad().mul_(coef);
  }
  return total;
}

double learning_rate(int64_t step, int64_t total_steps, const OptimConfig& cfg) {
  if (step < cfg.warmup_steps) return cfg.lr * double(step + 1) / double(cfg.warmup_steps);
  const double span = double(std::max<int64_t>(total_steps - cfg.warmup_steps - 1, 1));
  const double progress = std::min(1.0, double(step - cfg.warmup_steps) / span);
  const double floor = cfg.min_lr_ratio;
  switch (cfg.schedule) {
    case Schedule::Constant: return cfg.lr;
    case Schedule::Cosine: return cfg.lr * (floor + (1.0 - floor) * 0.5 * (1.0 + std::cos(M_PI * progress)));
    case Schedule::Linear: return cfg.lr * (1.0 - (1.0 - floor) * progress);
  }
  return cfg.lr;
}

}  // namespace zerorl
