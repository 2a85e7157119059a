#include "trainer/bench_train.h"

#include <algorithm>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/jsonl.h"
#include "core/log.h"
#include "model/threads.h"
#include "model/transformer.h"
#include "trainer/batch.h"
#include "trainer/dist.h"
#include "trainer/optimizer.h"
#include "trainer/update.h"

namespace zerorl {

namespace {

// Matmul FLOPs of forward + backward (3x forward) for B x T tokens, attention included.
double train_flops(const ModelConfig& m, int64_t B, int64_t T) {
  const double h = double(m.hidden_size), hd = double(head_dim(m)), L = double(m.num_hidden_layers);
  const double qkv = h * hd * double(m.num_attention_heads + 2 * m.num_key_value_heads);
  const double o = hd * double(m.num_attention_heads) * h;
  const double mlp = 3.0 * h * double(m.intermediate_size);
  const double per_token = 2.0 * (L * (qkv + o + mlp) + h * double(m.vocab_size));
  const double attention = 2.0 * 2.0 * L * double(m.num_attention_heads) * hd * double(T) / 2.0;  // causal
  return 3.0 * double(B) * double(T) * (per_token + attention);
}

}  // namespace

int bench_train(const Config& cfg) {
  const std::string threads = set_compute_threads(cfg.run.threads);
  ModelConfig mc = cfg.model;
  mc.path.clear();
  const int64_t B = cfg.bench.train_batch, T = cfg.bench.train_len;
  if (T > mc.max_position_embeddings) mc.max_position_embeddings = T;
  Transformer model(mc);
  init_weights(model, uint64_t(cfg.run.seed));
  std::vector<std::pair<std::string, torch::Tensor>> named;
  for (auto& item : model->named_parameters()) named.emplace_back(item.key(), item.value());
  OptimConfig oc = cfg.optim;
  AdamW opt(make_param_groups(named, oc), oc);
  const auto device = model->embed_weight().device();
  auto gen = at::make_generator<at::CPUGeneratorImpl>(uint64_t(cfg.run.seed) + 1);
  auto ids = torch::randint(0, mc.vocab_size, {B, T}, gen, torch::kInt64).to(device);
  auto mask = torch::ones({B, T}, torch::kInt64).to(device);
  log_info("bench train: " + std::to_string(B) + " x " + std::to_string(T) + " tokens, hidden " +
           std::to_string(mc.hidden_size) + ", layers " + std::to_string(mc.num_hidden_layers) + ", " + threads);

  struct Split {
    double forward = 0, backward = 0, optimizer = 0;
    double total() const { return forward + backward + optimizer; }
  };
  auto one_step = [&] {
    Split s;
    double t0 = now_seconds();
    auto logits = model->forward(ids, mask);                    // [B,T,V]
    auto loss = -token_logprobs(logits, ids, 1.0).mean();       // next-token log-likelihood, as the reference
    double t1 = now_seconds();
    opt.zero_grad();
    loss.backward();
    double t2 = now_seconds();
    opt.step(oc.lr);
    double t3 = now_seconds();
    s.forward = t1 - t0;
    s.backward = t2 - t1;
    s.optimizer = t3 - t2;
    return s;
  };
  one_step();  // warm-up: allocator, OpenBLAS buffers
  Split best;
  best.forward = 1e300;
  for (int64_t r = 0; r < cfg.bench.repeats; ++r) {
    Split s = one_step();
    log_info("  step " + std::to_string(r + 1) + ": " + std::to_string(int(1000 * s.total())) + " ms (" +
             std::to_string(int64_t(double(B * T) / s.total())) + " tokens/s)");
    if (s.total() < best.total()) best = s;
  }
  // The GRPO update as the trainer runs it: DAPO loss over the same tokens, rows split over row_threads()
  // threads on the CPU in float32 (trainer/update.h).
  std::vector<std::vector<int64_t>> prompts(B, std::vector<int64_t>{0}), completions;
  auto ids_cpu = ids.cpu();
  for (int64_t b = 0; b < B; ++b) {
    auto row = ids_cpu[b].narrow(0, 1, T - 1).contiguous();
    completions.emplace_back(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + (T - 1));
  }
  TrainBatch batch = make_batch(prompts, completions, std::vector<bool>(B, true), torch::linspace(-1, 1, B), 0);
  GrpoConfig gc = cfg.grpo;
  gc.loss_type = LossType::Dapo;
  const std::vector<std::vector<int64_t>> all_rows = split_micro_batches(batch.lengths, 0);
  const LossNorm norm = loss_norm(batch, 1, T, Dist{});
  const GradientSplit split = row_split(model->embed_weight(), opt.params());
  auto forward_fn = [&](const torch::Tensor& i, const torch::Tensor& m) { return model->forward(i.to(device), m.to(device)); };
  double grpo_best = 1e300;
  for (int64_t r = 0; r <= cfg.bench.repeats; ++r) {  // r = 0: warm-up
    const double t0 = now_seconds();
    opt.zero_grad();
    accumulate_gradients(forward_fn, batch, all_rows, gc, norm, 1.0, nullptr, split);
    opt.step(oc.lr);
    if (r > 0) grpo_best = std::min(grpo_best, now_seconds() - t0);
  }
  log_info("  GRPO update (" + std::to_string(split.threads) + " row threads): " + std::to_string(int(1000 * grpo_best)) + " ms");

  const double seconds = best.total();
  nlohmann::json out = {{"tokens_per_s", double(B * T) / seconds},
                        {"step_s", seconds},
                        {"forward_s", best.forward},
                        {"backward_s", best.backward},
                        {"optimizer_s", best.optimizer},
                        {"model_gflop_per_s", train_flops(mc, B, T) / seconds / 1e9},
                        {"grpo_update_s", grpo_best},
                        {"grpo_update_tokens_per_s", double(B * T) / grpo_best},
                        {"train_batch", B},
                        {"train_len", T},
                        {"threads", threads}};
  std::cout << to_json_line(out) << std::endl;
  return 0;
}

}  // namespace zerorl
