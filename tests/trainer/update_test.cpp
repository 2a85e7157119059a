// Micro-batching, the gradient pass, AdamW and the learning-rate schedule.
#include <gtest/gtest.h>

#include <cmath>

#include "trainer/batch.h"
#include "trainer/optimizer.h"
#include "trainer/update.h"

namespace zerorl {
namespace {

// A toy causal language model: logits_t = W (mean of the embeddings up to t) + b.
struct Toy {
  torch::Tensor emb, w, b;
  explicit Toy(int64_t vocab = 7, int64_t hidden = 5) {
    torch::manual_seed(3);
    emb = torch::randn({vocab, hidden}).requires_grad_(true);
    w = torch::randn({vocab, hidden}).requires_grad_(true);
    b = torch::randn({vocab}).requires_grad_(true);
  }
  ForwardFn fn() {
    return [this](const torch::Tensor& ids, const torch::Tensor&) {
      auto x = emb.index_select(0, ids.reshape({-1})).view({ids.size(0), ids.size(1), -1});  // [B,L,H]
      auto steps = torch::arange(1, ids.size(1) + 1, torch::kFloat32).view({1, -1, 1});
      return torch::matmul(x.cumsum(1) / steps, w.t()) + b;                               // [B,L,V]
    };
  }
  std::vector<torch::Tensor> params() { return {emb, w, b}; }
};

TrainBatch toy_batch(int64_t n) {
  std::vector<std::vector<int64_t>> prompts, completions;
  std::vector<bool> in_loss;
  for (int64_t i = 0; i < n; ++i) {
    prompts.push_back({1 + i % 3, 2});
    std::vector<int64_t> c;
    for (int64_t t = 0; t < 2 + (i * 5) % 7; ++t) c.push_back((i + 2 * t) % 7);
    completions.push_back(c);
    in_loss.push_back(i % 5 != 4);  // some sequences masked out (truncated)
  }
  auto adv = torch::linspace(-1.5, 1.3, n);
  return make_batch(prompts, completions, in_loss, adv, 0);
}

TEST(MakeBatch, LossMaskCoversCompletionTargets) {
  auto b = make_batch({{5, 6}, {7}}, {{1, 2, 3}, {4}}, {true, true}, torch::tensor({1.0, -1.0}), 0);
  EXPECT_EQ(b.input_ids.sizes(), (std::vector<int64_t>{2, 5}));
  // row 0: ids 5 6 1 2 3; positions 1..3 predict 1 2 3
  auto m = b.loss_mask;
  const float expected[2][4] = {{0, 1, 1, 1}, {1, 0, 0, 0}};
  for (int r = 0; r < 2; ++r)
    for (int t = 0; t < 4; ++t) EXPECT_EQ(m[r][t].item<float>(), expected[r][t]);
  EXPECT_EQ(b.input_ids[1][2].item<int64_t>(), 0);  // padding
  EXPECT_EQ(b.attention_mask[1][2].item<int64_t>(), 0);
}

TEST(MakeBatch, MaskedSequenceHasNoLossTokens) {
  auto b = make_batch({{5}}, {{1, 2}}, {false}, torch::tensor({1.0}), 0);
  EXPECT_EQ(b.loss_mask.sum().item<float>(), 0.0f);
}

TEST(MicroBatches, SplitByPaddedTokenBudget) {
  // Longest first: 6 (row 3) alone (+5 would be 2 x 6 = 12 > 10); 5 + 3 (2 x 5 = 10); 2 alone (3 x 5 = 15)
  EXPECT_EQ(split_micro_batches({3, 5, 2, 6}, 10), (std::vector<std::vector<int64_t>>{{3}, {1, 0}, {2}}));
  // ties keep their order
  EXPECT_EQ(split_micro_batches({4, 4, 4, 4}, 8), (std::vector<std::vector<int64_t>>{{0, 1}, {2, 3}}));
  EXPECT_EQ(split_micro_batches({3, 5, 2, 6}, 0), (std::vector<std::vector<int64_t>>{{0, 1, 2, 3}}));
  EXPECT_EQ(split_micro_batches({30, 4}, 10), (std::vector<std::vector<int64_t>>{{0}, {1}}));  // too long: alone
}

TEST(MicroBatches, SelectRowsTrimsPadding) {
  auto b = toy_batch(6);
  auto s = select_rows(b, {0, 1});
  EXPECT_EQ(s.input_ids.size(1), std::max(b.lengths[0], b.lengths[1]));
  EXPECT_TRUE(torch::equal(s.advantages, b.advantages.narrow(0, 0, 2)));
}

std::vector<torch::Tensor> grads_with(LossType type, const std::vector<std::vector<int64_t>>& mbs, int threads = 1,
                                      PassStats* stats = nullptr) {
  Toy toy;
  auto batch = toy_batch(12);
  GrpoConfig cfg;
  cfg.loss_type = type;
  // old log-probs from a slightly different policy, so clipping is exercised
  batch.old_logprobs = batch_logprobs(toy.fn(), batch, mbs, 1.0) + 0.15 * torch::sin(torch::arange(
                           batch.loss_mask.numel(), torch::kFloat32)).view(batch.loss_mask.sizes());
  auto norm = loss_norm(batch, int64_t(mbs.size()), 9, Dist{});
  GradientSplit split;
  if (threads > 1) split = {threads, toy.params()};
  PassStats s = accumulate_gradients(toy.fn(), batch, mbs, cfg, norm, 0.7, nullptr, split);
  if (stats) *stats = s;
  std::vector<torch::Tensor> g;
  for (auto& p : toy.params()) g.push_back(p.grad().clone());
  return g;
}

void expect_same_gradients(LossType type) {
  std::vector<std::vector<int64_t>> one = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}};
  std::vector<std::vector<int64_t>> four = {{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {9, 10, 11}};
  auto a = grads_with(type, one), b = grads_with(type, four);
  double largest = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_LT((a[i] - b[i]).abs().max().item<double>(), 1e-6) << "parameter " << i;
    largest = std::max(largest, a[i].abs().max().item<double>());
  }
  EXPECT_GT(largest, 1e-3);  // the gradients are not trivially zero
}

TEST(MicroBatches, OneVersusFourSameGradientsGrpo) { expect_same_gradients(LossType::Grpo); }
TEST(MicroBatches, OneVersusFourSameGradientsDrGrpo) { expect_same_gradients(LossType::DrGrpo); }
TEST(MicroBatches, OneVersusFourSameGradientsDapo) { expect_same_gradients(LossType::Dapo); }

TEST(MicroBatches, BnpoDependsOnTheSplit) {  // local by definition: documents the difference
  std::vector<std::vector<int64_t>> one = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}};
  std::vector<std::vector<int64_t>> four = {{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {9, 10, 11}};
  auto a = grads_with(LossType::Bnpo, one), b = grads_with(LossType::Bnpo, four);
  EXPECT_GT((a[1] - b[1]).abs().max().item<double>(), 1e-5);
}

// Rows of each micro-batch split over threads: the same gradients and statistics as one thread, for every
// loss (bnpo, a per-micro-batch mean, stays on one thread and so stays identical), uneven splits included.
TEST(GradientSplit, ThreadsGiveTheOneThreadGradients) {
  std::vector<std::vector<int64_t>> two = {{0, 1, 2, 3, 4, 5, 6}, {7, 8, 9, 10, 11}};
  for (LossType type : {LossType::Grpo, LossType::DrGrpo, LossType::Dapo, LossType::Bnpo}) {
    PassStats s1, sn;
    auto a = grads_with(type, two, 1, &s1);
    for (int threads : {2, 3, 8}) {
      auto b = grads_with(type, two, threads, &sn);
      for (size_t i = 0; i < a.size(); ++i)
        EXPECT_LT((a[i] - b[i]).abs().max().item<double>(), 1e-6)
            << "loss " << int(type) << ", " << threads << " threads, parameter " << i;
      EXPECT_NEAR(sn.loss, s1.loss, 1e-6);
      EXPECT_EQ(sn.tokens, s1.tokens);
      EXPECT_EQ(sn.low_clipped, s1.low_clipped);
      EXPECT_EQ(sn.high_clipped, s1.high_clipped);
      EXPECT_NEAR(sn.entropy_sum, s1.entropy_sum, 1e-4);
    }
  }
  // Same thread count, same bits.
  auto x = grads_with(LossType::Dapo, two, 3), y = grads_with(LossType::Dapo, two, 3);
  for (size_t i = 0; i < x.size(); ++i) EXPECT_TRUE(torch::equal(x[i], y[i]));
}

TEST(TokenLogprobs, GatherMinusLogsumexp) {
  // logits [1,2,2] = ((0, ln 3), (0, 0)), ids (x, 1): p(1 | pos 0) = 3 / 4.
  auto logits = torch::tensor({0.0f, std::log(3.0f), 0.0f, 0.0f}).view({1, 2, 2});
  auto ids = torch::tensor({0, 1}, torch::kInt64).view({1, 2});
  EXPECT_NEAR(token_logprobs(logits, ids, 1.0)[0][0].item<float>(), std::log(0.75), 1e-6);
  // temperature 2 halves the logits: p = sqrt(3) / (1 + sqrt(3))
  EXPECT_NEAR(token_logprobs(logits, ids, 2.0)[0][0].item<float>(), std::log(std::sqrt(3.0) / (1 + std::sqrt(3.0))),
              1e-6);
  EXPECT_NEAR(token_entropy(logits, 1.0)[0][0].item<float>(), -(0.25 * std::log(0.25) + 0.75 * std::log(0.75)), 1e-6);
}

// ---- AdamW ----
TEST(AdamW, OneStepByHand) {
  // p = 1, g = 0.5, lr 0.1, betas (0.9, 0.99), wd 0.1:
  // decay: p = 1 * (1 - 0.01) = 0.99; m = 0.05, v = 0.0025; m_hat = 0.5, sqrt(v_hat) = 0.5
  // p = 0.99 - 0.1 * 0.5 / 0.5 = 0.89. The no-decay parameter ends at 0.9.
  OptimConfig cfg;
  cfg.lr = 0.1;
  cfg.beta1 = 0.9;
  cfg.beta2 = 0.99;
  cfg.eps = 1e-8;
  cfg.weight_decay = 0.1;
  auto w = torch::ones({2, 2}).requires_grad_(true);
  auto norm = torch::ones({2}).requires_grad_(true);
  auto groups = make_param_groups({{"layer.weight", w}, {"norm.weight", norm}}, cfg);
  ASSERT_EQ(groups.size(), 2u);
  AdamW opt(groups, cfg);
  w.mutable_grad() = torch::full({2, 2}, 0.5);
  norm.mutable_grad() = torch::full({2}, 0.5);
  opt.step(0.1);
  EXPECT_NEAR(w[0][0].item<float>(), 0.89f, 1e-6);
  EXPECT_NEAR(norm[0].item<float>(), 0.9f, 1e-6);
  EXPECT_EQ(opt.steps(), 1);
}

TEST(AdamW, ParamGroupsExemptNormsBiasesEmbeddingsAndDedupTiedWeights) {
  OptimConfig cfg;
  cfg.weight_decay = 0.1;
  auto emb = torch::ones({4, 2}).requires_grad_(true);
  auto proj = torch::ones({2, 2}).requires_grad_(true);
  auto bias = torch::ones({2}).requires_grad_(true);
  std::vector<std::pair<std::string, torch::Tensor>> named = {
      {"model.embed_tokens.weight", emb}, {"model.layers.0.proj.weight", proj}, {"model.layers.0.proj.bias", bias},
      {"lm_head.weight", emb}};  // tied
  auto groups = make_param_groups(named, cfg);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].names, (std::vector<std::string>{"model.layers.0.proj.weight"}));
  EXPECT_DOUBLE_EQ(groups[0].weight_decay, 0.1);
  EXPECT_EQ(groups[1].names, (std::vector<std::string>{"model.embed_tokens.weight", "model.layers.0.proj.bias"}));
  EXPECT_DOUBLE_EQ(groups[1].weight_decay, 0.0);
  cfg.decay_norms_biases_embeddings = true;
  auto all = make_param_groups(named, cfg);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].params.size(), 3u);
}

TEST(AdamW, StateRoundTripContinuesBitIdentically) {
  OptimConfig cfg;
  cfg.weight_decay = 0.01;
  auto make = [] { return torch::arange(6, torch::kFloat32).view({2, 3}).requires_grad_(true); };
  auto grad_at = [](int s) { return torch::sin(torch::arange(6, torch::kFloat32).view({2, 3}) * (s + 1)); };
  auto a = make();
  AdamW opt_a(make_param_groups({{"w", a}}, cfg), cfg);
  for (int s = 0; s < 4; ++s) {
    a.mutable_grad() = grad_at(s);
    opt_a.step(1e-2);
  }
  // b: two steps, state saved, a fresh optimizer restored, two more steps
  auto b = make();
  AdamW opt_b(make_param_groups({{"w", b}}, cfg), cfg);
  for (int s = 0; s < 2; ++s) {
    b.mutable_grad() = grad_at(s);
    opt_b.step(1e-2);
  }
  std::vector<std::pair<std::string, torch::Tensor>> saved;
  for (auto& [k, v] : opt_b.state()) saved.emplace_back(k, v.clone());
  AdamW opt_c(make_param_groups({{"w", b}}, cfg), cfg);
  opt_c.load_state(saved, "optimizer.safetensors");
  EXPECT_EQ(opt_c.steps(), 2);
  for (int s = 2; s < 4; ++s) {
    b.mutable_grad() = grad_at(s);
    opt_c.step(1e-2);
  }
  EXPECT_TRUE(torch::equal(a, b));
}

TEST(AdamW, LoadStateNamesMissingEntry) {
  OptimConfig cfg;
  auto w = torch::ones({2, 2}).requires_grad_(true);
  AdamW opt(make_param_groups({{"w", w}}, cfg), cfg);
  try {
    opt.load_state({{"step", torch::tensor(int64_t(3))}}, "ckpt/optimizer.safetensors");
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("exp_avg/w"), std::string::npos) << e.what();
  }
}

TEST(ClipGradNorm, ScalesOnlyAboveMax) {
  auto p = torch::zeros({2}).requires_grad_(true);
  p.mutable_grad() = torch::tensor({3.0f, 4.0f});
  EXPECT_NEAR(clip_grad_norm({p}, 10.0), 5.0, 1e-9);
  EXPECT_FLOAT_EQ(p.grad()[0].item<float>(), 3.0f);
  EXPECT_NEAR(clip_grad_norm({p}, 1.0), 5.0, 1e-9);
  EXPECT_NEAR(p.grad()[1].item<float>(), 4.0 / (5.0 + 1e-6), 1e-6);
  p.mutable_grad() = torch::tensor({NAN, 4.0f});
  EXPECT_TRUE(std::isnan(clip_grad_norm({p}, 1.0)));
}

// ---- schedule ----
TEST(LearningRate, WarmupThenCosine) {
  OptimConfig cfg;
  cfg.lr = 1.0;
  cfg.warmup_steps = 2;
  cfg.schedule = Schedule::Cosine;
  cfg.min_lr_ratio = 0.1;
  // total 7: warm-up 0.5, 1; decay over updates 2..6 (progress 0, .25, .5, .75, 1)
  EXPECT_DOUBLE_EQ(learning_rate(0, 7, cfg), 0.5);
  EXPECT_DOUBLE_EQ(learning_rate(1, 7, cfg), 1.0);
  EXPECT_NEAR(learning_rate(2, 7, cfg), 1.0, 1e-12);
  EXPECT_NEAR(learning_rate(4, 7, cfg), 0.55, 1e-12);  // 0.1 + 0.9 * 0.5 * (1 + cos(pi/2))
  EXPECT_NEAR(learning_rate(6, 7, cfg), 0.1, 1e-12);
}

TEST(LearningRate, LinearAndConstant) {
  OptimConfig cfg;
  cfg.lr = 2.0;
  cfg.schedule = Schedule::Linear;
  cfg.min_lr_ratio = 0.0;
  EXPECT_DOUBLE_EQ(learning_rate(0, 5, cfg), 2.0);
  EXPECT_DOUBLE_EQ(learning_rate(2, 5, cfg), 1.0);
  EXPECT_DOUBLE_EQ(learning_rate(4, 5, cfg), 0.0);
  cfg.schedule = Schedule::Constant;
  EXPECT_DOUBLE_EQ(learning_rate(4, 5, cfg), 2.0);
}

}  // namespace
}  // namespace zerorl
