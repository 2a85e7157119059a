// The Trainer class in-process (NaN handling, dynamic sampling), evaluation maths and checksums.
#include <gtest/gtest.h>

#include <cmath>

#include "core/config.h"
#include "core/error.h"
#include "rewards/reward_set.h"
#include "tests/trainer/trainer_test_util.h"
#include "trainer/checkpoint.h"
#include "trainer/evaluation.h"
#include "trainer/plots.h"
#include "trainer/sha256.h"
#include "trainer/trainer.h"

namespace zerorl {
namespace {

using namespace zerorl::test;

Config tiny(const std::string& run_dir, std::vector<std::string> overrides = {}) {
  overrides.insert(overrides.end(), {"run.dir=" + run_dir, "log.plots=false", "log.progress=false",
                                     "train.eval_every=0", "train.save_every=0"});
  return load_config({tiny_config()}, overrides, check_rewards_config);
}

std::vector<torch::Tensor> snapshot(const std::vector<torch::Tensor>& ts) {
  std::vector<torch::Tensor> out;
  for (auto& t : ts) out.push_back(t.detach().clone());
  return out;
}

bool all_equal(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!torch::equal(a[i], b[i])) return false;
  return true;
}

std::vector<torch::Tensor> optimizer_state(const Trainer& t) {
  std::vector<torch::Tensor> out;
  for (auto& [name, v] : t.optimizer().state()) out.push_back(v.detach().clone());
  return out;
}

TEST(Trainer, NonFiniteLossSkipsStepWithoutTouchingWeightsOrOptimizer) {
  TempDir dir;
  Trainer trainer(tiny(dir / "run"), TrainOptions{});
  trainer.loss_hook = [](int64_t step, torch::Tensor& loss) {
    if (step == 2) loss = loss * std::nan("");
  };
  auto row1 = trainer.step();
  EXPECT_EQ(row1["skipped_steps"], 0);
  auto weights = snapshot(trainer.policy()->parameters());
  auto state = optimizer_state(trainer);
  auto row2 = trainer.step();
  EXPECT_EQ(row2["skipped_steps"], 1);
  EXPECT_EQ(row2["skipped"], true);
  EXPECT_TRUE(all_equal(weights, snapshot(trainer.policy()->parameters())));
  EXPECT_TRUE(all_equal(state, optimizer_state(trainer)));
  EXPECT_EQ(trainer.optimizer().steps(), 1);
  auto row3 = trainer.step();  // finite again: the update applies, the count stays
  EXPECT_EQ(row3["skipped_steps"], 1);
  EXPECT_FALSE(all_equal(weights, snapshot(trainer.policy()->parameters())));
  EXPECT_EQ(trainer.optimizer().steps(), 2);
}

TEST(Trainer, StopsAfterMaxSkippedStepsInARow) {
  TempDir dir;
  Trainer trainer(tiny(dir / "run", {"train.max_skipped_steps=2", "train.steps=5"}), TrainOptions{});
  trainer.loss_hook = [](int64_t, torch::Tensor& loss) { loss = loss * std::numeric_limits<double>::infinity(); };
  try {
    trainer.run();
    FAIL() << "expected RunError";
  } catch (const RunError& e) {
    EXPECT_NE(std::string(e.what()).find("2 steps in a row"), std::string::npos) << e.what();
  }
  EXPECT_EQ(trainer.completed_steps(), 2);
  EXPECT_EQ(lines_of(dir / "run/metrics.jsonl").size(), 2u);
}

TEST(Trainer, DynamicSamplingDrawsAgainAtMostMaxExtraDraws) {
  TempDir dir;
  // Accuracy alone is 0 for every sample of a random model: no group ever has a signal.
  auto cfg = tiny(dir / "run", {"grpo.dynamic_sampling=true", "grpo.max_extra_draws=2"});
  cfg.rewards.list.resize(1);
  ASSERT_EQ(cfg.rewards.list[0].name, "accuracy");
  Trainer trainer(cfg, TrainOptions{});
  auto row = trainer.step();
  EXPECT_EQ(row["dynamic_sampling/extra_draws"], 2);
  EXPECT_EQ(row["frac_reward_zero_std"], 1.0);
  EXPECT_EQ(row["dynamic_sampling/groups"], 4);  // falls back to the first draw's (zero-advantage) groups
  EXPECT_EQ(row["loss"], 0.0);
}

TEST(Trainer, DynamicSamplingKeepsOnlyGroupsWithSignal) {
  TempDir dir;
  auto cfg = tiny(dir / "run", {"grpo.dynamic_sampling=true", "grpo.max_extra_draws=3"});
  Trainer trainer(cfg, TrainOptions{});
  auto row = trainer.step();  // soft_overlong varies in most groups: the batch fills up
  EXPECT_EQ(row["dynamic_sampling/groups"], 4);
  EXPECT_LE(row["dynamic_sampling/extra_draws"].get<int64_t>(), 3);
}

TEST(Trainer, MaxTimeStopsCleanlyWithACheckpoint) {
  TempDir dir;
  Trainer trainer(tiny(dir / "run", {"train.steps=100000", "optim.schedule=constant", "train.max_time=1.5"}),
                  TrainOptions{});
  EXPECT_EQ(trainer.run(), 0);
  const int64_t done = trainer.completed_steps();
  EXPECT_GT(done, 0);
  EXPECT_LT(done, 100000);
  auto ckpts = list_checkpoints(dir / "run/checkpoints");
  ASSERT_EQ(ckpts.size(), 1u);
  EXPECT_EQ(ckpts[0], dir / ("run/checkpoints/" + checkpoint_name(done)));
  EXPECT_EQ(checkpoint_problem(ckpts[0]), "");
}

TEST(Plots, ScriptDrawsPngsFromTheLogs) {
  TempDir dir;
  std::ofstream(dir / "metrics.jsonl") << R"({"step":1,"reward":0.1,"rewards/accuracy/mean":0.1,"kl":0.01,"entropy":2.0})"
                                       << "\n" << R"({"step":2,"reward":0.3,"rewards/accuracy/mean":0.2,"kl":0.02,"entropy":1.9})"
                                       << "\n{\"step\": 3, \"rew";  // a line cut by a crash
  std::ofstream(dir / "eval.jsonl") << R"({"step":0,"eval/pass@1":0.0})" << "\n" << R"({"step":2,"eval/pass@1":0.5})" << "\n";
  ASSERT_TRUE(write_plots(dir.path(), /*wait=*/true));
  for (const char* f : {"overview.png", "reward.png", "accuracy.png", "kl.png", "entropy.png", "eval.png"})
    EXPECT_TRUE(std::filesystem::exists(dir / ("plots/" + std::string(f)))) << f;
  EXPECT_FALSE(std::filesystem::exists(dir / "plots/clip_ratio.png"));  // no data, no empty figure
}

TEST(Plots, AFailingScriptIsAWarningNotAnError) {
  TempDir dir;
  std::ofstream(dir / "fail.py") << "import sys\nsys.exit(3)\n";
  ::setenv("ZERORL_PLOT_SCRIPT", (dir / "fail.py").c_str(), 1);
  EXPECT_FALSE(write_plots(dir.path(), /*wait=*/true));
  ::setenv("ZERORL_PLOT_SCRIPT", (dir / "missing.py").c_str(), 1);
  EXPECT_FALSE(write_plots(dir.path(), /*wait=*/true));
  ::unsetenv("ZERORL_PLOT_SCRIPT");
}

// ---- evaluation maths ----
TEST(PassAtK, UnbiasedEstimator) {
  EXPECT_DOUBLE_EQ(pass_at_k(4, 0, 2), 0.0);
  EXPECT_DOUBLE_EQ(pass_at_k(4, 4, 2), 1.0);
  EXPECT_DOUBLE_EQ(pass_at_k(4, 1, 1), 0.25);
  // n = 4, c = 1, k = 2: 1 - C(3,2)/C(4,2) = 1 - 3/6
  EXPECT_DOUBLE_EQ(pass_at_k(4, 1, 2), 0.5);
  // n = 5, c = 2, k = 3: 1 - C(3,3)/C(5,3) = 1 - 1/10
  EXPECT_NEAR(pass_at_k(5, 2, 3), 0.9, 1e-12);
  EXPECT_DOUBLE_EQ(pass_at_k(3, 2, 2), 1.0);  // n - c < k
}

TEST(MajorityIndex, MostVotesFirstSeenOnTies) {
  using A = std::vector<std::optional<std::string>>;
  EXPECT_EQ(majority_index(A{"3", "5", "5", std::nullopt}), 1);
  EXPECT_EQ(majority_index(A{"7", "5", "5", "7"}), 0);  // tie: 7 was seen first
  EXPECT_EQ(majority_index(A{std::nullopt, std::nullopt}), -1);
  EXPECT_EQ(majority_index(A{}), -1);
}

TEST(Sha256, KnownVectors) {  // FIPS 180-4 examples
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

}  // namespace
}  // namespace zerorl
