// GRPO loss variants and advantages against values computed by hand (each literal's derivation is in a
// comment; cross-checked with a few lines of PyTorch, not with this code).
#include <gtest/gtest.h>

#include <cmath>

#include "trainer/advantages.h"
#include "trainer/loss.h"

namespace zerorl {
namespace {

torch::Tensor t2(std::vector<std::vector<double>> rows) {
  std::vector<torch::Tensor> ts;
  for (auto& r : rows) ts.push_back(torch::tensor(r, torch::kFloat64));
  return torch::stack(ts);
}

// B=2, T=3. Row 0: A = +1, ratios exp(0.5) = 1.6487 (above 1 + 0.28: clipped high), exp(-0.3) = 0.7408,
// 1. Row 1: A = -2, ratios 1, exp(-0.3) = 0.7408 (below 1 - 0.2: clipped low), exp(0.8) (masked).
// Per-token loss l = -min(r A, clip(r) A):
//   row 0: -1.28, -0.7408182, -1           sum -3.0208182, mean -1.0069394
//   row 1:  2,     1.6,       (masked)     sum  3.6,       mean  1.8
struct Case {
  LossInputs in;
  GrpoConfig cfg;
};
Case main_case() {
  Case c;
  c.in.logprobs = t2({{-1.0, -2.0, -0.5}, {-0.3, -1.2, -0.7}}).requires_grad_(true);
  c.in.old_logprobs = t2({{-1.5, -1.7, -0.5}, {-0.3, -0.9, -1.5}});
  c.in.mask = t2({{1, 1, 1}, {1, 1, 0}});
  c.in.advantages = torch::tensor({1.0, -2.0}, torch::kFloat64);
  c.cfg.epsilon_low = 0.2;
  c.cfg.epsilon_high = 0.28;
  c.cfg.beta = 0;
  return c;
}
LossNorm norm_of_main() {
  LossNorm n;
  n.global_tokens = 5;
  n.global_sequences = 2;
  n.max_new_tokens = 4;
  n.micro_batches = 1;
  return n;
}

TEST(GrpoLoss, GrpoIsMeanOfSequenceMeans) {
  auto c = main_case();
  c.cfg.loss_type = LossType::Grpo;
  auto out = grpo_loss(c.in, c.cfg, norm_of_main());
  EXPECT_NEAR(out.loss.item<double>(), (-1.0069394 + 1.8) / 2, 1e-6);  // 0.3965303
}

TEST(GrpoLoss, DapoDividesByGlobalTokens) {
  auto c = main_case();
  c.cfg.loss_type = LossType::Dapo;
  auto out = grpo_loss(c.in, c.cfg, norm_of_main());
  EXPECT_NEAR(out.loss.item<double>(), (-3.0208182 + 3.6) / 5, 1e-6);  // 0.1158364
  // A token budget of 10 (as if other micro-batches held 5 more tokens) halves this share.
  auto n = norm_of_main();
  n.global_tokens = 10;
  EXPECT_NEAR(grpo_loss(c.in, c.cfg, n).loss.item<double>(), 0.5791818 / 10, 1e-6);
}

TEST(GrpoLoss, DrGrpoDividesByRowsTimesMaxNewTokens) {
  auto c = main_case();
  c.cfg.loss_type = LossType::DrGrpo;
  auto out = grpo_loss(c.in, c.cfg, norm_of_main());
  EXPECT_NEAR(out.loss.item<double>(), 0.5791818 / (2 * 4), 1e-6);  // 0.0723977
}

TEST(GrpoLoss, BnpoIsLocalTokenMeanOverMicroBatches) {
  auto c = main_case();
  c.cfg.loss_type = LossType::Bnpo;
  auto n = norm_of_main();
  n.global_tokens = 1000;  // ignored: bnpo uses the micro-batch's own tokens
  n.micro_batches = 2;
  auto out = grpo_loss(c.in, c.cfg, n);
  EXPECT_NEAR(out.loss.item<double>(), 0.5791818 / 5 / 2, 1e-6);
}

TEST(GrpoLoss, ClipCountsBothSides) {
  auto c = main_case();
  auto out = grpo_loss(c.in, c.cfg, norm_of_main());
  EXPECT_EQ(out.tokens, 5);
  EXPECT_EQ(out.high_clipped, 1);  // row 0 token 0
  EXPECT_EQ(out.low_clipped, 1);   // row 1 token 1 (row 1 token 2 is masked)
  EXPECT_EQ(out.region_clipped, 2);
  EXPECT_EQ(out.kl_sum, 0);
}

TEST(GrpoLoss, GradientIsZeroOnClippedAndMaskedTokens) {
  auto c = main_case();
  c.cfg.loss_type = LossType::Dapo;
  grpo_loss(c.in, c.cfg, norm_of_main()).loss.backward();
  // d l / d logp = -A r / 5 where unclipped: row 0 token 1: -0.7408182 / 5; token 2: -1 / 5;
  // row 1 token 0: 2 * 1 / 5 (r = 1 sits on both branches of the min; their halves add up).
  auto g = c.in.logprobs.grad();
  const double expected[2][3] = {{0, -0.14816364, -0.2}, {0.4, 0, 0}};
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t < 3; ++t) EXPECT_NEAR(g[b][t].item<double>(), expected[b][t], 1e-7) << b << "," << t;
}

TEST(GrpoLoss, DualClipCapsNegativeAdvantageLoss) {
  // A = -1, ratios e and 1: l = max(r, clip(r)) = e, 1. With delta = 2 the first becomes 2.
  LossInputs in;
  in.logprobs = t2({{0.0, 0.0}}).requires_grad_(true);
  in.old_logprobs = t2({{-1.0, 0.0}});
  in.mask = t2({{1, 1}});
  in.advantages = torch::tensor({-1.0}, torch::kFloat64);
  GrpoConfig cfg;
  cfg.loss_type = LossType::Dapo;
  cfg.epsilon_low = cfg.epsilon_high = 0.2;
  LossNorm n;
  n.global_tokens = 2;
  n.global_sequences = 1;
  EXPECT_NEAR(grpo_loss(in, cfg, n).loss.item<double>(), 1.8591409, 1e-6);  // (e + 1) / 2
  cfg.delta = 2;
  auto out = grpo_loss(in, cfg, n);
  EXPECT_NEAR(out.loss.item<double>(), 1.5, 1e-9);  // (2 + 1) / 2
  out.loss.backward();
  EXPECT_EQ(in.logprobs.grad()[0][0].item<double>(), 0.0);  // capped: no gradient
}

TEST(GrpoLoss, DualClipLeavesPositiveAdvantagesAlone) {
  auto c = main_case();
  c.cfg.loss_type = LossType::Dapo;
  c.cfg.delta = 1.1;  // would cap row 1's 2 and 1.6 at 2.2 (no change) and never touches row 0
  EXPECT_NEAR(grpo_loss(c.in, c.cfg, norm_of_main()).loss.item<double>(), 0.5791818 / 5, 1e-6);
}

TEST(GrpoLoss, DualClipBelowOneIsRejected) {
  auto c = main_case();
  c.cfg.delta = 0.5;
  EXPECT_THROW(grpo_loss(c.in, c.cfg, norm_of_main()), c10::Error);
}

TEST(GrpoLoss, KlTermIsK3WeightedByBeta) {
  // A = 0 removes the policy term. d = ref - logp = -0.5, 1: k3 = e^d - d - 1 = 0.1065307, 0.7182818.
  LossInputs in;
  in.logprobs = t2({{-1.0, -2.0}}).requires_grad_(true);
  in.old_logprobs = in.logprobs.detach().clone();
  in.ref_logprobs = t2({{-1.5, -1.0}});
  in.mask = t2({{1, 1}});
  in.advantages = torch::tensor({0.0}, torch::kFloat64);
  GrpoConfig cfg;
  cfg.loss_type = LossType::Dapo;
  cfg.beta = 0.1;
  LossNorm n;
  n.global_tokens = 2;
  n.global_sequences = 1;
  auto out = grpo_loss(in, cfg, n);
  EXPECT_NEAR(out.loss.item<double>(), 0.1 * (0.1065307 + 0.7182818) / 2, 1e-7);  // 0.0412406
  EXPECT_NEAR(out.kl_sum, 0.8248125, 1e-6);
  out.loss.backward();
  // d k3 / d logp = 1 - e^d: 1 - e^-0.5 = 0.3934693, 1 - e = -1.7182818; times beta / 2.
  EXPECT_NEAR(in.logprobs.grad()[0][0].item<double>(), 0.05 * 0.3934693, 1e-7);
  EXPECT_NEAR(in.logprobs.grad()[0][1].item<double>(), 0.05 * -1.7182818, 1e-7);
}

TEST(GrpoLoss, KlAddsToPolicyTerm) {
  auto c = main_case();
  c.cfg.loss_type = LossType::Dapo;
  c.cfg.beta = 0.1;
  c.in.ref_logprobs = c.in.logprobs.detach().clone();  // ref == policy: k3 = 0 everywhere
  c.in.ref_logprobs[0][0] = -0.5;                      // d = 0.5: k3 = e^0.5 - 1.5 = 0.1487213
  auto out = grpo_loss(c.in, c.cfg, norm_of_main());
  EXPECT_NEAR(out.loss.item<double>(), (0.5791818 + 0.1 * 0.1487213) / 5, 1e-6);
  EXPECT_NEAR(out.kl_sum, 0.1487213, 1e-6);
}

TEST(GrpoLoss, BetaWithoutReferenceIsAnError) {
  auto c = main_case();
  c.cfg.beta = 0.1;
  EXPECT_THROW(grpo_loss(c.in, c.cfg, norm_of_main()), c10::Error);
}

TEST(GrpoLoss, FirstIterationRatioIsOneAndGradientIsPolicyGradient) {
  // num_iterations == 1: old = detached current, ratio 1 everywhere, nothing clipped,
  // loss = -sum(A m) / tokens = -(3 * 1 + 2 * -2) / 5 = 0.2; d/dlogp = -A / 5.
  auto c = main_case();
  c.cfg.loss_type = LossType::Dapo;
  c.in.old_logprobs = c.in.logprobs.detach();
  auto out = grpo_loss(c.in, c.cfg, norm_of_main());
  EXPECT_NEAR(out.loss.item<double>(), 0.2, 1e-12);
  EXPECT_EQ(out.region_clipped, 0);
  out.loss.backward();
  EXPECT_NEAR(c.in.logprobs.grad()[0][2].item<double>(), -0.2, 1e-12);
  EXPECT_NEAR(c.in.logprobs.grad()[1][0].item<double>(), 0.4, 1e-12);
  EXPECT_EQ(c.in.logprobs.grad()[1][2].item<double>(), 0.0);
}

TEST(GrpoLoss, LaterIterationKeepsOldLogprobs) {
  // Second pass over the same batch: the policy moved (logprobs) but old_logprobs are the sampling
  // policy's, so the ratio differs from 1 and clipping applies. Here every token moved by +0.4:
  // ratio e^0.4 = 1.4918 > 1.28: clipped for A > 0 (no gradient), not for A < 0 (l = -A r).
  auto c = main_case();
  c.cfg.loss_type = LossType::Dapo;
  c.in.old_logprobs = c.in.logprobs.detach() - 0.4;
  auto out = grpo_loss(c.in, c.cfg, norm_of_main());
  const double r = std::exp(0.4);
  EXPECT_NEAR(out.loss.item<double>(), (-3 * 1.28 + 2 * 2 * r) / 5, 1e-9);
  EXPECT_EQ(out.high_clipped, 3);
  EXPECT_EQ(out.low_clipped, 0);
  out.loss.backward();
  EXPECT_EQ(c.in.logprobs.grad()[0][1].item<double>(), 0.0);
  EXPECT_NEAR(c.in.logprobs.grad()[1][1].item<double>(), 2 * r / 5, 1e-9);
}

// ---- advantages ----
TEST(GroupAdvantages, GroupScaling) {
  // Group 0: 1 0 0 1, mean 0.5, unbiased std sqrt(1/3); group 1: all 2 (zero std).
  auto a = group_advantages(torch::tensor({1.0, 0.0, 0.0, 1.0, 2.0, 2.0, 2.0, 2.0}), 4, ScaleRewards::Group, 1e-4);
  const double x = 0.5 / (std::sqrt(1.0 / 3.0) + 1e-4);  // 0.8658754
  const double expected[8] = {x, -x, -x, x, 0, 0, 0, 0};
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(a.values[i].item<double>(), expected[i], 1e-6);
  EXPECT_EQ(a.zero_std, (std::vector<bool>{false, true}));
  EXPECT_DOUBLE_EQ(a.frac_zero_std, 0.5);
}

TEST(GroupAdvantages, BatchScaling) {
  // Batch std of 1 0 0 1 2 2 2 2: mean 1.25, sum of squares 5.5, unbiased sqrt(5.5 / 7) = 0.8864053.
  auto a = group_advantages(torch::tensor({1.0, 0.0, 0.0, 1.0, 2.0, 2.0, 2.0, 2.0}), 4, ScaleRewards::Batch, 1e-4);
  EXPECT_NEAR(a.values[0].item<double>(), 0.5640124, 1e-6);
  EXPECT_NEAR(a.values[1].item<double>(), -0.5640124, 1e-6);
  EXPECT_EQ(a.values[5].item<double>(), 0.0);
}

TEST(GroupAdvantages, BatchStdFromAllRanksReplacesTheLocalOne) {
  auto a = group_advantages(torch::tensor({1.0, 0.0, 2.0, 2.0}), 2, ScaleRewards::Batch, 1e-4, /*batch_std=*/2.0);
  EXPECT_NEAR(a.values[0].item<double>(), 0.5 / 2.0001, 1e-7);
  EXPECT_NEAR(a.values[1].item<double>(), -0.5 / 2.0001, 1e-7);
}

TEST(GroupAdvantages, NoScalingIsDrGrpo) {
  auto a = group_advantages(torch::tensor({1.0, 0.0, 0.0, 1.0, 3.0, 1.0, 2.0, 2.0}), 4, ScaleRewards::None, 1e-4);
  const double expected[8] = {0.5, -0.5, -0.5, 0.5, 1, -1, 0, 0};
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(a.values[i].item<double>(), expected[i], 1e-7);
  EXPECT_DOUBLE_EQ(a.frac_zero_std, 0.0);
}

TEST(GroupAdvantages, GroupOfOneHasNoSignal) {
  auto a = group_advantages(torch::tensor({1.0, 0.0}), 1, ScaleRewards::Group, 1e-4);
  EXPECT_EQ(a.values[0].item<double>(), 0.0);
  EXPECT_EQ(a.values[1].item<double>(), 0.0);
  EXPECT_DOUBLE_EQ(a.frac_zero_std, 1.0);
}

TEST(GroupAdvantages, RejectsRaggedGroups) {
  EXPECT_THROW(group_advantages(torch::tensor({1.0, 0.0, 1.0}), 2, ScaleRewards::Group, 1e-4), c10::Error);
}

TEST(GroupAdvantages, DynamicSamplingKeepsGroupsWithSignal) {
  EXPECT_EQ(groups_with_signal({true, false, true, false}), (std::vector<int64_t>{1, 3}));
  EXPECT_TRUE(groups_with_signal({true, true}).empty());
}

}  // namespace
}  // namespace zerorl
