// Faults inside a run, end to end through the zerorl binary (issue 9): non-finite losses and gradients
// skip the step and leave the weights and optimizer untouched; an unusable run directory and a failed
// checkpoint write keep what was there. (Kill -9 and damaged checkpoints: reliability_test.cpp.)
#include <gtest/gtest.h>

#include "tests/cli/fault_runs.h"

using namespace zerorl::test;
using namespace zerorl::test::faults;

// ------------------------------------------------------------------------------------------- NaN / Inf
// ZERORL_TEST_NAN_STEPS poisons the loss of chosen steps: STEP (NaN loss and gradient), STEP:inf
// (infinite loss, finite gradient), STEP:grad (finite loss, NaN gradient).

TEST(NonFinite, SkippedStepsAreCountedAndLeaveWeightsAndOptimizerUntouched) {
  const auto t0 = Clock::now();
  Scratch t("nan");
  const std::string run = t / "r";
  auto r = run_process(train_args(run, 6, {"train.keep_last=6", "train.max_skipped_steps=2"}), "", 120,
                       {"ZERORL_TEST_NAN_STEPS=2,4:inf,6:grad"});
  expect_no_crash(r);
  ASSERT_EQ(r.exit_code, 0) << r.err;  // never two in a row
  auto rows = lines_of(run + "/metrics.jsonl");
  ASSERT_EQ(rows.size(), 6u);
  const int expect_skipped[] = {0, 1, 1, 2, 2, 3};
  for (int i = 0; i < 6; ++i) {
    auto row = nlohmann::json::parse(rows[size_t(i)]);
    EXPECT_EQ(row["skipped_steps"], expect_skipped[i]) << "step " << i + 1;
    EXPECT_EQ(row.value("skipped", false), i == 1 || i == 3 || i == 5) << "step " << i + 1;
  }
  EXPECT_TRUE(has(r.err, "step 2: non-finite loss; update skipped")) << r.err;
  EXPECT_TRUE(has(r.err, "step 4: non-finite loss; update skipped")) << r.err;
  EXPECT_TRUE(has(r.err, "step 6: non-finite gradient; update skipped")) << r.err;
  // A skipped step leaves weights and optimizer state byte for byte as they were; an applied one does not.
  for (const char* f : {"model.safetensors", "optimizer.safetensors"}) {
    EXPECT_TRUE(slurp(ckpt(run, 1) + "/" + f) == slurp(ckpt(run, 2) + "/" + f)) << f << " changed at step 2";
    EXPECT_FALSE(slurp(ckpt(run, 2) + "/" + f) == slurp(ckpt(run, 3) + "/" + f)) << f << " unchanged at step 3";
    EXPECT_TRUE(slurp(ckpt(run, 3) + "/" + f) == slurp(ckpt(run, 4) + "/" + f)) << f << " changed at step 4";
    EXPECT_TRUE(slurp(ckpt(run, 5) + "/" + f) == slurp(ckpt(run, 6) + "/" + f)) << f << " changed at step 6";
  }
  std::printf("  %.1f s\n", seconds_since(t0));
}

TEST(NonFinite, StopsWithExit1AfterMaxSkippedStepsInARowAcrossAResume) {
  Scratch t("nanstop");
  const std::string run = t / "r";
  // Steps 2 and 3 skipped: two in a row, one short of the limit of 3.
  auto a = run_process(train_args(run, 3, {"train.max_skipped_steps=3"}), "", 120, {"ZERORL_TEST_NAN_STEPS=2,3"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  // Resumed, step 4 is the third in a row: the count survived the checkpoint.
  auto b = run_process(with(train_args(run, 6, {"train.max_skipped_steps=3"}), {"--resume", "auto"}), "", 120,
                       {"ZERORL_TEST_NAN_STEPS=4:grad"});
  expect_no_crash(b);
  EXPECT_EQ(b.exit_code, 1) << b.err;
  EXPECT_TRUE(has(last_line(b.err), "error: 3 steps in a row had a non-finite loss or gradient "
                                    "(train.max_skipped_steps = 3), last at step 4")) << b.err;
  EXPECT_EQ(lines_of(run + "/metrics.jsonl").size(), 4u);
  EXPECT_EQ(newest_step(run), 3) << "no checkpoint of the failing step";
}

TEST(NonFinite, MalformedTestHookIsExit2) {
  Scratch t("nanbad");
  auto r = run_process(train_args(t / "r", 2), "", 60, {"ZERORL_TEST_NAN_STEPS=2:zero"});
  expect_no_crash(r);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_FALSE(fs::exists(t / "r"));
}

// ------------------------------------------------------------------------------------------------ disk

TEST(Disk, UnusableRunDirectoryIsOneLineExit2BeforeTraining) {
  Scratch t("disk");
  write_file(t / "file", "x");
  struct Case {
    std::string run_dir, message;
  } cases[] = {
      {t / "file", "run directory: " + (t / "file") + " exists and is not a directory"},
      {t / "file/run", "run directory: cannot create " + (t / "file/run")},
      {t / "ok", ""},  // checkpoints/ is a file
  };
  fs::create_directories(t / "ok");
  write_file(t / "ok/checkpoints", "x");
  cases[2].message = "run directory: " + (t / "ok/checkpoints") + " exists and is not a directory";
  for (auto& c : cases) {
    auto r = run_process(train_args(c.run_dir, 2));
    expect_no_crash(r);
    EXPECT_EQ(r.exit_code, 2) << c.run_dir;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_TRUE(has(r.err, c.message)) << r.err;
    EXPECT_FALSE(has(r.err, "step 1")) << r.err;
    EXPECT_FALSE(fs::exists(c.run_dir + "/metrics.jsonl"));
  }
}

// A write that fails part way through any file of the step-2 checkpoint (ZERORL_FAIL_WRITE_AT): exit 1
// naming the file; step 1 stays the newest checkpoint, valid; nothing temporary is left; --resume auto
// then completes with the weights of a run that never failed.
TEST(Disk, FailedCheckpointWriteAnywhereKeepsThePreviousCheckpoint) {
  const auto t0 = Clock::now();
  Scratch t("failwrite");
  auto ref = run_process(train_args(t / "ref", 2));
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  // Bytes written by a resumed process before the checkpoint: config.yaml, provenance.json. The write order
  // of checkpoint files is that of trainer/checkpoint.cpp (the injected error names the file: checked).
  const std::string step2 = ckpt(t / "ref", 2);
  const std::vector<std::string> order = {"model.safetensors", "config.json", "generation_config.json",
                                          "tokenizer.json", "tokenizer_config.json", "optimizer.safetensors",
                                          "data_state.json", "rng_state.json", "trainer_state.json"};
  int cases = 0;
  for (const std::string target : {"model.safetensors", "optimizer.safetensors", "rng_state.json",
                                   "trainer_state.json"}) {
    SCOPED_TRACE(target);
    const std::string run = t / ("r-" + target);
    auto first = run_process(train_args(run, 1));
    ASSERT_EQ(first.exit_code, 0) << first.err;
    uintmax_t offset = fs::file_size(run + "/config.yaml") + fs::file_size(run + "/provenance.json");
    for (auto& f : order) {
      if (f == target) break;
      offset += fs::file_size(step2 + "/" + f);
    }
    offset += fs::file_size(step2 + "/" + target) / 2;  // halfway: far from the few bytes provenance may vary by
    auto r = run_process(with(train_args(run, 2), {"--resume", "auto"}), "", 120,
                         {"ZERORL_FAIL_WRITE_AT=" + std::to_string(offset)});
    expect_no_crash(r);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_TRUE(has(last_line(r.err), "error: cannot save checkpoint " + ckpt(run, 2) + ": cannot write ")) << r.err;
    EXPECT_TRUE(has(last_line(r.err), "/" + target + ": injected failure")) << r.err;
    EXPECT_EQ(newest_step(run), 1);
    EXPECT_EQ(count_entries(run, ".tmp-"), 0);
    auto again = run_process(with(train_args(run, 2), {"--resume", "auto"}));
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_TRUE(has(again.err, "resumed from " + ckpt(run, 1))) << again.err;
    EXPECT_TRUE(slurp(ckpt(run, 2) + "/model.safetensors") == slurp(step2 + "/model.safetensors"));
    ++cases;
  }
  std::printf("  %d failure points, %.1f s\n", cases, seconds_since(t0));
}
