// Reliability under faults, end to end through the zerorl binary (issue 9): SIGKILL at random moments
// followed by --resume auto reaches an uninterrupted run's weights bit for bit; damaged checkpoints are
// skipped with a warning. (Non-finite steps and disk faults: fault_test.cpp; security: security_test.cpp;
// tests/trainer/train_command_test.cpp covers single corruptions, signals and one injected write failure.)
#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "tests/cli/fault_runs.h"

using namespace zerorl::test;
using namespace zerorl::test::faults;

// ---------------------------------------------------------------------------------------------- kill -9

// Kills a run with SIGKILL at seeded random moments (start-up, mid-step, and while a checkpoint is being
// written or pruned), restarting it each time with --resume auto, until it completes: its final weights,
// optimizer state and metrics equal those of a run never interrupted.
TEST(KillNine, RandomKillsThenResumeAutoEqualAnUninterruptedRunBitForBit) {
  const auto t_start = Clock::now();
  Scratch t("kill");
  const int steps = 12;
  // ZERORL_TEST_WRITE_DELAY_MS: each checkpoint file takes 15 ms longer to write, so that kills aimed
  // at a write land inside it whatever the machine's speed (it changes no byte written).
  const std::vector<std::string> env = {"ZERORL_TEST_WRITE_DELAY_MS=15"};
  double startup_seconds = 0, ref_seconds = 0;
  {  // the uninterrupted run, timed: start-up (to the first checkpoint) and the seconds of a step
    Background ref(train_args(t / "ref", steps), t / "ref.txt", env);
    while (newest_step(t / "ref") < 1 && !ref.sleep_or_exit(0.001)) {
    }
    startup_seconds = seconds_since(t_start);
    ASSERT_EQ(ref.wait(), 0) << slurp(t / "ref.txt");
    ref_seconds = seconds_since(t_start);
  }
  const double step_seconds = (ref_seconds - startup_seconds) / (steps - 1);

  const std::string run = t / "run";
  const auto args = with(train_args(run, steps), {"--resume", "auto"});
  std::mt19937 rng(20240909);
  auto uniform = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
  const int kKills = 12;
  int kills = 0, in_checkpoint_write = 0, in_prune = 0, in_other_write = 0, attempts = 0;
  std::vector<std::string> moments;
  while (kills < kKills) {
    ASSERT_LT(++attempts, 60) << "too many attempts";
    const int resume_from = newest_step(run);
    Background child(args, t / "err.txt", env);
    const int mode = kills % 3;
    bool ended = false;
    // Sleeps up to `seconds`, returning early once checkpoint `cap` exists: each attempt advances by at most
    // two steps, so that the kills spread over the run whatever the machine's load.
    auto pause = [&](double seconds, int cap) {
      const auto t0 = Clock::now();
      while (!ended && seconds_since(t0) < seconds && newest_step(run) < cap) ended = child.sleep_or_exit(0.0005);
    };
    if (mode == 0) {  // anywhere in start-up or the first step
      pause(uniform(0.0, startup_seconds), resume_from + 1);
    } else if (mode == 1) {  // anywhere in the step after the next checkpoint
      pause(60, resume_from + 1);
      pause(uniform(0.0, step_seconds), resume_from + 2);
    } else {  // while the checkpoint after the next one is being written (9 files, 15 ms pause in each)
      pause(60, resume_from + 1);
      const auto t0 = Clock::now();
      while (!ended && count_entries(run, ".tmp-step-") == 0 && newest_step(run) < resume_from + 2 &&
             seconds_since(t0) < 60)
        ended = child.sleep_or_exit(0.0002);
      pause(uniform(0.0, 0.1), resume_from + 2);
    }
    if (ended) {  // it finished (or failed) before the chosen moment
      ASSERT_EQ(child.wait(), 0) << slurp(t / "err.txt");
      break;
    }
    kill(child.pid(), SIGKILL);
    ASSERT_EQ(child.wait(), 128 + SIGKILL);
    ++kills;
    // Where it landed: a .tmp-step-* directory means mid-checkpoint; .tmp-delete-* mid-prune; a *.tmp
    // file in the run directory mid atomic write (config.yaml, provenance.json, a log rewrite).
    const int writing = count_entries(run, ".tmp-step-"), pruning = count_entries(run, ".tmp-delete-");
    int other = 0;
    std::error_code ec;
    for (auto& e : fs::directory_iterator(run, ec)) other += e.path().extension() == ".tmp";
    in_checkpoint_write += writing > 0;
    in_prune += pruning > 0;
    in_other_write += other > 0;
    moments.push_back("kill " + std::to_string(kills) + " (mode " + std::to_string(mode) + "): resumed from step " +
                      std::to_string(resume_from) + ", killed with " + std::to_string(logged_steps(run).size()) +
                      " steps logged, newest checkpoint " + std::to_string(newest_step(run)) +
                      (writing ? ", during a checkpoint write" : "") + (pruning ? ", during pruning" : "") +
                      (other ? ", during an atomic file write" : ""));
  }
  // Then let it finish.
  for (int i = 0; newest_step(run) < steps || i == 0; ++i) {
    ASSERT_LT(i, 2);
    auto r = run_process(args, "", 120, env);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  for (auto& m : moments) std::printf("  %s\n", m.c_str());
  std::printf("  %d kills, %d during a checkpoint write, %d during pruning, %d during another atomic write; "
              "%d starts; %.1f s in all (uninterrupted run %.1f s, start-up %.2f s, step %.2f s)\n",
              kills, in_checkpoint_write, in_prune, in_other_write, attempts + 1, seconds_since(t_start), ref_seconds,
              startup_seconds, step_seconds);
  EXPECT_GE(kills, 10);
  EXPECT_GE(in_checkpoint_write, 1);
  for (const char* f : {"model.safetensors", "optimizer.safetensors"}) {
    const std::string a = slurp(ckpt(t / "ref", steps) + "/" + f), b = slurp(ckpt(run, steps) + "/" + f);
    ASSERT_FALSE(a.empty()) << f;
    EXPECT_TRUE(a == b) << f << " differs from the uninterrupted run's";
  }
  // The logs hold each step once, in order, with the uninterrupted run's values.
  std::vector<int> expect_steps;
  for (int s = 1; s <= steps; ++s) expect_steps.push_back(s);
  EXPECT_EQ(logged_steps(run), expect_steps);
  auto a = lines_of(t / "ref/metrics.jsonl"), b = lines_of(run + "/metrics.jsonl");
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    for (const char* k : {"loss", "reward", "grad_norm", "entropy"})
      EXPECT_EQ(nlohmann::json::parse(a[i])[k], nlohmann::json::parse(b[i])[k]) << "step " << i + 1 << " " << k;
  EXPECT_EQ(count_entries(run, ".tmp-"), 0);
}

// ----------------------------------------------------------------------------------- corrupt checkpoints
// (Single damages, one at a time, are in tests/trainer/train_command_test.cpp.) Here the two newest are
// damaged at once, in model.safetensors: --resume auto walks back past both, warning once for each.

TEST(CorruptCheckpoints, TwoDamagedNewestFallBackTwiceAndReplayToTheSameWeights) {
  const auto t0 = Clock::now();
  Scratch t("corrupt");
  const std::string run = t / "r";
  const auto args = train_args(run, 4, {"train.keep_last=4"});
  auto first = run_process(args);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string original = slurp(ckpt(run, 4) + "/model.safetensors");
  {  // step 4: one flipped byte in the middle of the weights
    std::fstream f(ckpt(run, 4) + "/model.safetensors", std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(std::streamoff(original.size() / 2));
    char c = 0;
    f.read(&c, 1);
    c = char(c ^ 0x01);
    f.seekp(std::streamoff(original.size() / 2));
    f.write(&c, 1);
  }
  fs::remove(ckpt(run, 3) + "/model.safetensors");  // step 3: the weights are missing
  auto r = run_process(with(args, {"--resume", "auto"}));
  expect_no_crash(r);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.err, "warning: checkpoint " + ckpt(run, 4) + " is not usable (" + ckpt(run, 4) +
                             "/model.safetensors: checksum mismatch")) << r.err;
  EXPECT_TRUE(has(r.err, "warning: checkpoint " + ckpt(run, 3) + " is not usable (" + ckpt(run, 3) +
                             "/model.safetensors: missing")) << r.err;
  EXPECT_TRUE(has(r.err, "resumed from " + ckpt(run, 2))) << r.err;
  EXPECT_TRUE(slurp(ckpt(run, 4) + "/model.safetensors") == original) << "steps 3 and 4 replayed differently";
  std::printf("  %.1f s\n", seconds_since(t0));
}

// An explicit --resume CHECKPOINT that is damaged is refused (exit 2, one line naming the file); the
// run directory is left as it was.
TEST(CorruptCheckpoints, ExplicitDamagedCheckpointIsOneLineExit2) {
  Scratch t("explicit");
  const std::string run = t / "r";
  auto first = run_process(train_args(run, 2));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  fs::resize_file(ckpt(run, 2) + "/optimizer.safetensors", 100);
  const auto before = logged_steps(run);
  auto r = run_process(with(train_args(run, 3), {"--resume", ckpt(run, 2)}));
  expect_no_crash(r);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_TRUE(has(r.err, ckpt(run, 2) + "/optimizer.safetensors: wrong size")) << r.err;
  EXPECT_EQ(logged_steps(run), before);
}

// Every checkpoint damaged: exit 2; the last line is the error, naming the newest one's file; a warning
// line for each checkpoint tried before it.
TEST(CorruptCheckpoints, NoneValidIsExit2WithTheErrorNamingTheFile) {
  Scratch t("none");
  const std::string run = t / "r";
  auto first = run_process(train_args(run, 2));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  fs::remove(ckpt(run, 1) + "/trainer_state.json");
  write_file(ckpt(run, 2) + "/config.json", "{");
  auto r = run_process(with(train_args(run, 3), {"--resume", "auto"}));
  expect_no_crash(r);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(count_lines(r.err), 3) << r.err;  // two warnings, one error
  EXPECT_TRUE(has(last_line(r.err), "error: no valid checkpoint in " + run + "/checkpoints: " + ckpt(run, 2) +
                                        "/config.json")) << r.err;
  EXPECT_TRUE(has(r.err, ckpt(run, 1) + "/trainer_state.json: missing")) << r.err;
}
