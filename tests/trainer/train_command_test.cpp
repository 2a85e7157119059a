// End-to-end runs of `zerorl train` on configs/tiny_debug.yaml: the run directory, bit-identical resume,
// signals, corrupt checkpoints, failed checkpoint writes, unusable run directories, `zerorl eval`.
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/trainer/trainer_test_util.h"
#include "trainer/checkpoint.h"

namespace zerorl {
namespace {

namespace fs = std::filesystem;
using namespace zerorl::test;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(TrainCommand, TinyDebugWritesTheRunDirectory) {
  TempDir t;
  const std::string run = t / "run";
  ASSERT_EQ(train(set("run.dir=" + run), t / "err.txt"), 0) << slurp(t / "err.txt");
  for (const char* f : {"config.yaml", "provenance.json", "metrics.jsonl", "completions.jsonl", "eval.jsonl"})
    EXPECT_TRUE(fs::exists(run + "/" + f)) << f;
  auto prov = nlohmann::json::parse(slurp(run + "/provenance.json"));
  EXPECT_TRUE(contains(prov["command"].get<std::string>(), "zerorl train --config"));
  EXPECT_TRUE(prov.contains("git_commit"));
  EXPECT_TRUE(prov["threads"].contains("setting"));
  EXPECT_TRUE(prov["versions"].contains("libtorch"));

  auto metrics = lines_of(run + "/metrics.jsonl");
  ASSERT_EQ(metrics.size(), 4u);  // train.steps = 4
  auto row = nlohmann::json::parse(metrics[1]);
  EXPECT_EQ(row["step"], 2);
  for (const char* key :
       {"reward", "reward_std", "rewards/accuracy/mean", "rewards/accuracy/std", "rewards/format/mean",
        "rewards/soft_overlong/mean", "frac_reward_zero_std", "completions/mean_length", "completions/max_length",
        "completions/clipped_ratio", "completions/recheck_ratio", "entropy", "clip_ratio/low_mean",
        "clip_ratio/high_mean", "clip_ratio/region_mean", "grad_norm", "learning_rate", "loss", "tokens_per_s",
        "skipped_steps", "timing/generate", "timing/reward", "timing/advantages", "timing/logprobs",
        "timing/update"})
    EXPECT_TRUE(row.contains(key)) << key;
  EXPECT_FALSE(row.contains("kl"));  // beta = 0: no reference, no KL
  EXPECT_GT(row["grad_norm"].get<double>(), 0.0);

  auto completions = lines_of(run + "/completions.jsonl");
  EXPECT_EQ(completions.size(), 8u);  // train.log_completions = 2 per step
  auto c = nlohmann::json::parse(completions[0]);
  for (const char* key : {"step", "prompt", "completion", "reward", "rewards", "advantage", "finish_reason"})
    EXPECT_TRUE(c.contains(key)) << key;

  auto evals = lines_of(run + "/eval.jsonl");
  ASSERT_EQ(evals.size(), 3u);  // steps 0, 2, 4 (eval_every = 2)
  EXPECT_EQ(nlohmann::json::parse(evals[0])["step"], 0);
  auto e = nlohmann::json::parse(evals[2]);
  EXPECT_EQ(e["step"], 4);
  for (const char* key : {"eval/pass@1", "eval/pass@4", "eval/maj@4", "eval/greedy", "eval/format",
                          "eval/mean_length", "eval/lenient"})
    EXPECT_TRUE(e.contains(key)) << key;

  auto ckpts = list_checkpoints(run + "/checkpoints");
  ASSERT_EQ(ckpts.size(), 2u);  // save_every 2, keep_last 2
  EXPECT_EQ(fs::path(ckpts[0]).filename(), "step-000004");
  EXPECT_EQ(checkpoint_problem(ckpts[0]), "");
  for (const char* f : {"model.safetensors", "config.json", "generation_config.json", "tokenizer.json",
                        "optimizer.safetensors", "data_state.json", "rng_state.json", "trainer_state.json"})
    EXPECT_TRUE(fs::exists(ckpts[0] + "/" + f)) << f;
  EXPECT_FALSE(fs::exists(ckpts[0] + "/reference.safetensors"));
}

// A configuration that goes through every branch of the update: KL to a reference that is reset, two
// passes per batch (old log-probs kept), several micro-batches, truncated completions masked.
std::vector<std::string> busy(const std::string& run, int steps) {
  return join({set("run.dir=" + run), set("train.steps=" + std::to_string(steps)), set("optim.schedule=constant"),
               set("grpo.beta=0.04"), set("grpo.ref_reset_every=2"), set("grpo.num_iterations=2"),
               set("train.micro_batch_tokens=96"), set("grpo.mask_truncated_completions=true"),
               set("train.eval_every=0"), set("train.save_every=3")});
}

void expect_same_file(const std::string& a, const std::string& b) {
  auto x = slurp(a), y = slurp(b);
  ASSERT_FALSE(x.empty()) << a;
  EXPECT_TRUE(x == y) << a << " differs from " << b;
}

TEST(TrainCommand, ResumedRunIsBitIdentical) {
  TempDir t;
  ASSERT_EQ(train(busy(t / "a", 6), t / "a.txt"), 0) << slurp(t / "a.txt");
  ASSERT_EQ(train(busy(t / "b", 3), t / "b.txt"), 0) << slurp(t / "b.txt");
  ASSERT_EQ(train(join({busy(t / "b", 6), {"--resume", "auto"}}), t / "b2.txt"), 0) << slurp(t / "b2.txt");
  EXPECT_TRUE(contains(slurp(t / "b2.txt"), "resumed from")) << slurp(t / "b2.txt");
  for (const char* f : {"model.safetensors", "optimizer.safetensors", "reference.safetensors"})
    expect_same_file(t / ("a/checkpoints/step-000006/" + std::string(f)), t / ("b/checkpoints/step-000006/" + std::string(f)));
  auto ma = lines_of(t / "a/metrics.jsonl"), mb = lines_of(t / "b/metrics.jsonl");
  ASSERT_EQ(mb.size(), 6u);
  auto kl = nlohmann::json::parse(ma[5]);
  EXPECT_TRUE(kl.contains("kl"));
  EXPECT_EQ(nlohmann::json::parse(ma[5])["loss"], nlohmann::json::parse(mb[5])["loss"]);
}

// Waits until the run has logged `steps` steps (or 60 s).
bool wait_for_steps(const std::string& metrics, size_t steps) {
  for (int i = 0; i < 600; ++i) {
    if (lines_of(metrics).size() >= steps) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

void signal_then_resume(int sig, int expected_code) {
  TempDir t;
  const std::vector<std::string> common = {"--set", "optim.schedule=constant", "--set", "train.eval_every=0",
                                           "--set", "train.save_every=0"};
  Child child({"train", "--config", tiny_config(), "--set", "log.plots=false", "--set", "log.progress=false",
               "--set", "run.dir=" + (t / "s"), "--set", "train.steps=100000", "--set", "optim.schedule=constant",
               "--set", "train.eval_every=0", "--set", "train.save_every=0"},
              t / "s.txt");
  ASSERT_TRUE(wait_for_steps(t / "s/metrics.jsonl", 3)) << slurp(t / "s.txt");
  ::kill(child.pid(), sig);
  ASSERT_EQ(child.wait(), expected_code) << slurp(t / "s.txt");
  // A complete checkpoint of exactly the steps logged.
  auto ckpts = list_checkpoints(t / "s/checkpoints");
  ASSERT_EQ(ckpts.size(), 1u) << slurp(t / "s.txt");
  EXPECT_EQ(checkpoint_problem(ckpts[0]), "");
  const size_t k = lines_of(t / "s/metrics.jsonl").size();
  EXPECT_EQ(fs::path(ckpts[0]).filename().string(), checkpoint_name(int64_t(k)));
  if (sig != SIGTERM) return;
  // Resumed to k + 2 steps it equals a run of k + 2 steps never interrupted.
  const std::string total = "train.steps=" + std::to_string(k + 2);
  ASSERT_EQ(train(join({common, set("run.dir=" + (t / "s")), set(total), {"--resume", "auto"}}), t / "r.txt"), 0)
      << slurp(t / "r.txt");
  ASSERT_EQ(train(join({common, set("run.dir=" + (t / "u")), set(total)}), t / "u.txt"), 0) << slurp(t / "u.txt");
  const std::string last = "/checkpoints/" + checkpoint_name(int64_t(k + 2)) + "/model.safetensors";
  expect_same_file(t / ("s" + last), t / ("u" + last));
}

TEST(TrainCommand, SigtermSavesCheckpointExits143AndResumesBitIdentically) { signal_then_resume(SIGTERM, 143); }
TEST(TrainCommand, SigintSavesCheckpointExits130) { signal_then_resume(SIGINT, 130); }

// Three checkpoints; the newest is damaged in `damage`; --resume auto must fall back to step 2 with a
// warning naming the file, and replaying step 3 gives the original step-3 weights.
void fall_back_after(const std::function<void(const std::string&)>& damage, const std::string& named) {
  TempDir t;
  const auto args = join({set("run.dir=" + (t / "r")), set("train.steps=3"), set("train.save_every=1"),
                          set("train.keep_last=3"), set("train.eval_every=0")});
  ASSERT_EQ(train(args, t / "1.txt"), 0) << slurp(t / "1.txt");
  const std::string step3 = t / "r/checkpoints/step-000003";
  const std::string original = slurp(step3 + "/model.safetensors");
  damage(step3);
  EXPECT_FALSE(checkpoint_problem(step3).empty());
  ASSERT_EQ(train(join({args, {"--resume", "auto"}}), t / "2.txt"), 0) << slurp(t / "2.txt");
  const std::string err = slurp(t / "2.txt");
  EXPECT_TRUE(contains(err, "warning: checkpoint " + step3)) << err;
  EXPECT_TRUE(contains(err, named)) << err;
  EXPECT_TRUE(contains(err, "resumed from " + (t / "r/checkpoints/step-000002"))) << err;
  EXPECT_TRUE(slurp(step3 + "/model.safetensors") == original);
  EXPECT_EQ(checkpoint_problem(step3), "");
}

TEST(CorruptCheckpoint, TruncatedFileFallsBack) {
  fall_back_after([](const std::string& d) { fs::resize_file(d + "/model.safetensors", 1000); },
                  "model.safetensors: wrong size");
}

TEST(CorruptCheckpoint, FlippedByteFallsBack) {
  fall_back_after(
      [](const std::string& d) {
        std::fstream f(d + "/optimizer.safetensors", std::ios::in | std::ios::out | std::ios::binary);
        f.seekg(5000);
        char c = 0;
        f.read(&c, 1);
        c ^= 0x10;
        f.seekp(5000);
        f.write(&c, 1);
      },
      "optimizer.safetensors: checksum mismatch");
}

TEST(CorruptCheckpoint, MissingFileFallsBack) {
  fall_back_after([](const std::string& d) { fs::remove(d + "/data_state.json"); }, "data_state.json: missing");
}

TEST(CorruptCheckpoint, EditedTrainerStateFallsBack) {
  fall_back_after(
      [](const std::string& d) {
        auto s = slurp(d + "/trainer_state.json");
        s.replace(s.find("\"step\": 3"), 9, "\"step\": 4");
        std::ofstream(d + "/trainer_state.json") << s;
      },
      "trainer_state.json: checksum mismatch");
}

TEST(CorruptCheckpoint, NoValidCheckpointIsOneClearError) {
  TempDir t;
  const auto args = join({set("run.dir=" + (t / "r")), set("train.steps=2"), set("train.save_every=1"),
                          set("train.eval_every=0")});
  ASSERT_EQ(train(args, t / "1.txt"), 0);
  for (auto& c : list_checkpoints(t / "r/checkpoints")) fs::resize_file(c + "/model.safetensors", 10);
  EXPECT_EQ(train(join({args, {"--resume", "auto"}}), t / "2.txt"), 2);
  auto lines = lines_of(t / "2.txt");
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(contains(lines.back(), "error: no valid checkpoint in")) << lines.back();
  EXPECT_TRUE(contains(lines.back(), "step-000002/model.safetensors")) << lines.back();
}

TEST(RunDirectory, FileWhereTheDirectoryShouldBeIsExit2BeforeTraining) {
  TempDir t;
  std::ofstream(t / "taken") << "x";
  EXPECT_EQ(train(set("run.dir=" + (t / "taken")), t / "1.txt"), 2);
  EXPECT_TRUE(contains(slurp(t / "1.txt"), "is not a directory")) << slurp(t / "1.txt");
  EXPECT_EQ(train(set("run.dir=" + (t / "taken/run")), t / "2.txt"), 2);
  EXPECT_TRUE(contains(slurp(t / "2.txt"), "cannot create")) << slurp(t / "2.txt");
}

TEST(RunDirectory, SetupFailureLeavesNoRunDirectory) {
  TempDir t;
  EXPECT_EQ(train(join({set("run.dir=" + (t / "new")), set("data.train=" + (t / "missing.jsonl"))}), t / "1.txt"), 2);
  EXPECT_TRUE(contains(slurp(t / "1.txt"), "missing.jsonl")) << slurp(t / "1.txt");
  EXPECT_FALSE(fs::exists(t / "new"));
}

TEST(RunDirectory, ExplicitDirWithCheckpointsNeedsResume) {
  TempDir t;
  const auto args = join({set("run.dir=" + (t / "r")), set("train.steps=1"), set("train.eval_every=0")});
  ASSERT_EQ(train(args, t / "1.txt"), 0);
  EXPECT_EQ(train(args, t / "2.txt"), 2);
  EXPECT_TRUE(contains(slurp(t / "2.txt"), "--resume auto")) << slurp(t / "2.txt");
  EXPECT_EQ(train(join({args, {"--resume", t / "nowhere"}}), t / "3.txt"), 2);
}

TEST(RunDirectory, FailedCheckpointWriteKeepsThePreviousOne) {
  TempDir t;
  const auto args = join({set("run.dir=" + (t / "r")), set("train.eval_every=0"), set("train.save_every=1")});
  ASSERT_EQ(train(join({args, set("train.steps=1")}), t / "1.txt"), 0);
  // The resumed process writes config.yaml and provenance.json, then the step-2 checkpoint: fail a few KB
  // into the checkpoint's files.
  const auto budget = fs::file_size(t / "r/config.yaml") + fs::file_size(t / "r/provenance.json") + 5000;
  const int code = train(join({args, set("train.steps=2"), {"--resume", "auto"}}), t / "2.txt",
                         {"ZERORL_FAIL_WRITE_AT=" + std::to_string(budget)});
  EXPECT_EQ(code, 1) << slurp(t / "2.txt");
  EXPECT_TRUE(contains(slurp(t / "2.txt"), "injected failure")) << slurp(t / "2.txt");
  EXPECT_TRUE(contains(slurp(t / "2.txt"), "step-000002")) << slurp(t / "2.txt");
  auto ckpts = list_checkpoints(t / "r/checkpoints");
  ASSERT_EQ(ckpts.size(), 1u);
  EXPECT_EQ(checkpoint_problem(ckpts[0]), "");
  for (auto& e : fs::directory_iterator(t / "r/checkpoints"))
    EXPECT_EQ(e.path().filename().string().rfind(".tmp-", 0), std::string::npos) << e.path();
  ASSERT_EQ(train(join({args, set("train.steps=2"), {"--resume", "auto"}}), t / "3.txt"), 0) << slurp(t / "3.txt");
  EXPECT_EQ(list_checkpoints(t / "r/checkpoints").size(), 2u);
}

TEST(EvalCommand, EvaluatesACheckpointIntoEvalJsonl) {
  TempDir t;
  ASSERT_EQ(train(join({set("run.dir=" + (t / "r")), set("train.steps=2"), set("train.eval_every=0")}), t / "1.txt"),
            0);
  Child c({"eval", "--config", tiny_config(), "--checkpoint", t / "r/checkpoints/step-000002", "--out", t / "out",
           "--set", "eval.samples=3", "--set", "eval.k=2"},
          t / "2.txt");
  ASSERT_EQ(c.wait(), 0) << slurp(t / "2.txt");
  auto rows = lines_of(t / "out/eval.jsonl");
  ASSERT_EQ(rows.size(), 1u);
  auto row = nlohmann::json::parse(rows[0]);
  EXPECT_EQ(row["step"], 2);
  EXPECT_EQ(row["eval/problems"], 16);
  for (const char* key : {"eval/pass@1", "eval/pass@2", "eval/maj@2", "eval/greedy", "eval/format",
                          "eval/mean_length", "eval/lenient"})
    EXPECT_TRUE(row.contains(key)) << key;
  Child bad({"eval", "--config", tiny_config(), "--checkpoint", t / "nowhere"}, t / "3.txt");
  EXPECT_EQ(bad.wait(), 2);
}

}  // namespace
}  // namespace zerorl
