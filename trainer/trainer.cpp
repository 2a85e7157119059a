#include "trainer/trainer.h"

#include <ATen/autocast_mode.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "trainer/dist_metrics.h"
#include "trainer/plots.h"
#include "trainer/run_dir.h"
#include "trainer/signals.h"

namespace zerorl {

namespace fs = std::filesystem;

namespace {

// bf16 autocast where the device supports it (CUDA); a no-op on the CPU, where LibTorch 1.13's bf16
// matmuls are slower than fp32.
class AutocastScope {
 public:
  explicit AutocastScope(const torch::Tensor& weight)
      : on_(weight.is_cuda() && weight.scalar_type() == torch::kFloat32) {
    if (!on_) return;
    prev_ = at::autocast::is_enabled();
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(true);
    at::autocast::increment_nesting();
  }
  ~AutocastScope() {
    if (!on_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_enabled(prev_);
  }

 private:
  bool on_;
  bool prev_ = false;
};

}  // namespace

struct Trainer::Drawn {
  Rollouts all;                    // every group generated this step (metrics)
  Rollouts batch;                  // the groups trained on
  std::vector<double> group_std;   // [groups in all]
  double frac_zero_std = 0;
  int64_t extra_draws = 0;
};

Trainer::~Trainer() = default;

nlohmann::json Trainer::step() {
  const int64_t step = counters_.step + 1;
  const nlohmann::json sampler_before = sampler_->state();
  timers_.reset();
  const double t0 = now_seconds();

  Drawn d = generate_and_score(step);  // timed inside as "generate" and "reward" (dynamic sampling may repeat them)
  Advantages adv = timers_.time("advantages", [&] { return advantages_of(d.batch); });
  TrainBatch batch = timers_.time("logprobs", [&] { return logprob_batch(d.batch, adv); });
  if (StopSignals::received()) {  // leave the step unapplied, as if never started
    sampler_->restore(sampler_before);
    throw StopRequested{};
  }
  UpdateResult u = timers_.time("update", [&] { return update_policy(batch, step); });

  counters_.step = step;
  counters_.skipped_steps += u.skipped;
  counters_.consecutive_skipped = u.skipped ? counters_.consecutive_skipped + 1 : 0;
  if (reference_ && cfg_.grpo.ref_reset_every > 0 && step % cfg_.grpo.ref_reset_every == 0) {
    torch::NoGradGuard no_grad;
    auto src = policy_->parameters();
    auto dst = (*reference_)->parameters();
    for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
  }

  nlohmann::json row = {{"step", step}};
  add_rollout_metrics(row, d.all, d.group_std, d.frac_zero_std, recheck_metric_);
  add_update_metrics(row, u, cfg_.grpo.beta > 0);
  row["skipped_steps"] = counters_.skipped_steps;
  if (u.skipped) row["skipped"] = true;
  row["epoch"] = sampler_->epoch();
  if (cfg_.grpo.dynamic_sampling) {
    row["dynamic_sampling/extra_draws"] = d.extra_draws;
    row["dynamic_sampling/groups"] = d.batch.groups();
  }
  for (const char* phase : {"generate", "reward", "advantages", "logprobs", "update"}) {
    auto it = timers_.seconds().find(phase);
    row[std::string("timing/") + phase] = it == timers_.seconds().end() ? 0.0 : it->second;
  }
  double generated = 0;
  for (auto& s : d.all.samples) generated += double(s.tokens.size());
  const double seconds = now_seconds() - t0;
  row["tokens_per_s"] = seconds > 0 ? generated / seconds : 0.0;
  reduce_step_metrics(row, opts_.dist, double(d.all.size()));  // every rank's groups, logged by rank 0
  write_step_logs(row, completion_rows(step, d.batch, adv.values, data_.train, cfg_.train.log_completions));
  return row;
}

Trainer::Drawn Trainer::generate_and_score(int64_t step) {
  const int64_t P = cfg_.grpo.prompts_per_step, G = cfg_.grpo.group_size;
  const int64_t W = opts_.dist.world_size, R = opts_.dist.rank;
  const int64_t begin = R * P / W, end = (R + 1) * P / W, quota = end - begin;  // this rank's whole groups
  const bool dynamic = cfg_.grpo.dynamic_sampling;
  const int64_t rounds = dynamic ? 1 + cfg_.grpo.max_extra_draws : 1;
  Drawn d;
  int64_t zero = 0, kept = 0;
  Rollouts first;
  for (int64_t round = 0; round < rounds; ++round) {
    // Every rank draws the same P prompts (the sampler stays in step everywhere) and keeps its slice.
    auto drawn = sampler_->next(size_t(P));
    std::vector<size_t> mine(drawn.begin() + begin, drawn.begin() + end);
    std::vector<std::vector<int32_t>> ids;
    for (size_t i : mine) ids.push_back(train_prompt_ids_[i]);
    Rollouts r = timers_.time("generate", [&] {
      return generate_rollouts(*engine_, sampling_, mine, ids, G, cfg_.run.seed, step, round * P + begin);
    });
    timers_.time("reward", [&] { score_rollouts(r, *rewards_, data_.train); });
    auto rewards = torch::tensor(r.rewards(), torch::kFloat64);
    auto a = group_advantages(rewards, G, ScaleRewards::None, cfg_.grpo.adv_eps);
    std::vector<int64_t> all_groups(size_t(r.groups()));
    for (int64_t g = 0; g < r.groups(); ++g) all_groups[size_t(g)] = g;
    d.all.append_groups(r, all_groups);
    for (int64_t g = 0; g < r.groups(); ++g) {
      d.group_std.push_back(a.group_std[g].item<double>());
      zero += a.zero_std[size_t(g)];
    }
    if (!dynamic) {
      d.batch = std::move(r);
      break;
    }
    auto keep = groups_with_signal(a.zero_std);
    if (int64_t(keep.size()) > quota - kept) keep.resize(size_t(quota - kept));
    d.batch.append_groups(r, keep);
    kept += int64_t(keep.size());
    if (round == 0) first = std::move(r);
    std::vector<double> missing = {double(quota - kept)};
    opts_.dist.all_reduce_counts(missing);  // every rank draws again while any rank is short
    if (missing[0] <= 0) break;
    if (round + 1 < rounds) {
      ++d.extra_draws;
    } else {
      log_warn("step " + std::to_string(step) + ": dynamic sampling found " + std::to_string(kept) + " of " +
               std::to_string(quota) + " groups with a reward signal after " + std::to_string(d.extra_draws) +
               " extra draws (grpo.max_extra_draws); training on those");
    }
  }
  if (dynamic && kept == 0) d.batch = std::move(first);  // no signal anywhere: a zero-advantage batch
  d.frac_zero_std = d.all.groups() ? double(zero) / double(d.all.groups()) : 0.0;
  return d;
}

Advantages Trainer::advantages_of(const Rollouts& batch) {
  auto rewards = batch.rewards();
  double batch_std = -1;
  if (cfg_.grpo.scale_rewards == ScaleRewards::Batch && opts_.dist.world_size > 1) {  // std over all ranks
    std::vector<double> s = {0, 0, double(rewards.size())};
    for (double r : rewards) s[0] += r, s[1] += r * r;
    opts_.dist.all_reduce_counts(s);
    batch_std = s[2] > 1 ? std::sqrt(std::max(0.0, (s[1] - s[0] * s[0] / s[2]) / (s[2] - 1))) : 0.0;
  }
  return group_advantages(torch::tensor(rewards, torch::kFloat64), cfg_.grpo.group_size, cfg_.grpo.scale_rewards,
                          cfg_.grpo.adv_eps, batch_std);
}

TrainBatch Trainer::logprob_batch(const Rollouts& r, const Advantages& adv) {
  std::vector<std::vector<int64_t>> prompts, completions;
  std::vector<bool> in_loss;
  for (int64_t i = 0; i < r.size(); ++i) {
    const auto& p = r.prompt_ids[size_t(i / r.group_size)];
    const auto& s = r.samples[size_t(i)];
    prompts.emplace_back(p.begin(), p.end());
    completions.emplace_back(s.tokens.begin(), s.tokens.end());
    in_loss.push_back(!(cfg_.grpo.mask_truncated_completions && s.finish_reason == "length"));
  }
  const int64_t pad = tok_.pad_id() >= 0 ? tok_.pad_id() : std::max<int64_t>(tok_.eos_id(), 0);
  TrainBatch b = make_batch(prompts, completions, in_loss, adv.values, pad);
  auto mbs = split_micro_batches(b.lengths, cfg_.train.micro_batch_tokens);
  const double temp = sampling_.temperature > 0 ? sampling_.temperature : 1.0;
  // The sampler's own log-probs differ from a training forward in the last bits; recomputing keeps
  // ratio == 1 exact on the first pass. Only later passes need the old policy's values kept.
  if (cfg_.grpo.num_iterations > 1)
    b.old_logprobs = batch_logprobs([&](auto& ids, auto& m) { return forward(policy_, ids, m); }, b, mbs, temp);
  if (reference_)
    b.ref_logprobs = batch_logprobs([&](auto& ids, auto& m) { return forward(*reference_, ids, m); }, b, mbs, temp);
  return b;
}

torch::Tensor Trainer::forward(Transformer& model, const torch::Tensor& ids, const torch::Tensor& mask) {
  const auto device = model->embed_weight().device();
  AutocastScope autocast(model->embed_weight());
  return model->forward(ids.to(device), mask.to(device));
}

UpdateResult Trainer::update_policy(TrainBatch& batch, int64_t step) {
  UpdateResult u;
  u.learning_rate = learning_rate(step - 1, cfg_.train.steps, cfg_.optim);
  auto mbs = split_micro_batches(batch.lengths, cfg_.train.micro_batch_tokens);
  const LossNorm norm = loss_norm(batch, int64_t(mbs.size()), cfg_.rollout.max_new_tokens, opts_.dist);
  const double temp = sampling_.temperature > 0 ? sampling_.temperature : 1.0;
  auto params = optimizer_->params();
  std::function<void(torch::Tensor&)> hook;
  if (loss_hook) hook = [&](torch::Tensor& loss) { loss_hook(step, loss); };
  // On the CPU in float32, autograd would run on one thread: split each micro-batch's rows instead.
  const GradientSplit split = row_split(policy_->embed_weight(), params);
  int64_t applied = 0;
  double grad_norm_sum = 0;
  for (int64_t it = 0; it < cfg_.grpo.num_iterations; ++it) {
    optimizer_->zero_grad();
    auto s = accumulate_gradients([&](auto& ids, auto& m) { return forward(policy_, ids, m); }, batch, mbs,
                                  cfg_.grpo, norm, temp, hook, split);
    std::vector<torch::Tensor> grads;
    for (auto& p : params) {
      if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
      grads.push_back(p.grad());
    }
    opts_.dist.all_reduce_grads(grads);
    const double gn = clip_grad_norm(params, cfg_.optim.max_grad_norm);
    std::vector<double> bad = {std::isfinite(s.loss) && std::isfinite(gn) ? 0.0 : 1.0};
    opts_.dist.all_reduce_counts(bad);  // every rank skips together
    u.loss += s.loss;
    u.tokens += s.tokens;
    u.kl_sum += s.kl_sum;
    u.low_clipped += s.low_clipped;
    u.high_clipped += s.high_clipped;
    u.region_clipped += s.region_clipped;
    if (it == 0) {
      u.entropy_sum = s.entropy_sum;
      u.entropy_tokens = s.tokens;
    }
    ++u.passes;
    if (bad[0] > 0) {  // weights and optimizer state untouched
      u.skipped = true;
      log_warn("step " + std::to_string(step) + ": non-finite " + (std::isfinite(s.loss) ? "gradient" : "loss") +
               "; update skipped");
      break;
    }
    grad_norm_sum += gn;
    ++applied;
    optimizer_->step(u.learning_rate);
  }
  optimizer_->zero_grad();
  u.loss /= double(std::max<int64_t>(u.passes, 1));
  u.grad_norm = applied ? grad_norm_sum / double(applied) : std::nan("");
  return u;
}

void Trainer::write_step_logs(const nlohmann::json& row, const std::vector<nlohmann::json>& completions) {
  if (!opts_.dist.is_main()) return;
  metrics_.write(row);
  for (auto& c : completions) completions_.write(c);
}

std::string Trainer::save() {
  if (!opts_.dist.is_main()) return "";
  const double t0 = now_seconds();
  CheckpointContents c{policy_, reference_, &tok_, optimizer_.get(), counters_, sampler_->state(), cfg_.run.seed};
  const std::string ckpt = (fs::path(run_dir_) / "checkpoints").string();
  std::string dir = save_checkpoint(ckpt, c);
  prune_checkpoints(ckpt, cfg_.train.keep_last);
  last_saved_step_ = counters_.step;
  log_info("checkpoint " + dir + " (" + std::to_string(int(1000 * (now_seconds() - t0))) + " ms)");
  return dir;
}

void Trainer::evaluate_and_plot(int64_t step, bool plot_after) {
  if (!evaluator_ || !opts_.dist.is_main()) return;
  auto row = evaluator_->evaluate(*engine_, step);
  eval_log_.write(row);
  last_eval_step_ = step;
  std::string line = "eval step " + std::to_string(step);
  for (auto& [k, v] : row.items())
    if (k != "step" && v.is_number_float()) {
      char buf[64];
      std::snprintf(buf, sizeof buf, " %s %.3f", k.substr(5).c_str(), v.get<double>());
      line += buf;
    }
  log_info(line);
  if (plot_after) plot(/*wait=*/false);
}

void Trainer::plot(bool wait) {
  if (cfg_.log.plots && opts_.dist.is_main()) write_plots(run_dir_, wait);
}

}  // namespace zerorl
