// Reliability under faults, end to end through the zerorl binary (issue 9): SIGKILL at random moments
// followed by --resume auto reaches an uninterrupted run's weights bit for bit; damaged checkpoints are
// skipped with a warning; non-finite losses and gradients skip the step; an unusable run directory and a
// failed checkpoint write keep what was there. (Security: tests/cli/security_test.cpp.)
// (tests/trainer/train_command_test.cpp covers single corruptions, signals and one injected write failure.)
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/cli/run_process.h"

using namespace zerorl::test;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}



std::string ckpt(const std::string& run, int step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "step-%06d", step);
  return run + "/checkpoints/" + buf;
}

// tiny_debug, quiet, one thread, a checkpoint every step, no evaluation.
std::vector<std::string> train_args(const std::string& run, int steps, std::vector<std::string> sets = {}) {
  std::vector<std::string> a = {zerorl_bin(), "train", "--config", source_dir() + "/configs/tiny_debug.yaml"};
  std::vector<std::string> all = {"run.dir=" + run, "train.steps=" + std::to_string(steps), "train.save_every=1",
                                  "train.eval_every=0", "log.plots=false", "log.progress=false", "run.threads=1"};
  all.insert(all.end(), sets.begin(), sets.end());
  for (auto& s : all) a.insert(a.end(), {"--set", s});
  return a;
}

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& more) {
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

// No crash: no signal death, no uncaught exception, no LibTorch backtrace.

std::string last_line(const std::string& s) {
  auto lines = s;
  while (!lines.empty() && lines.back() == '\n') lines.pop_back();
  auto nl = lines.rfind('\n');
  return nl == std::string::npos ? lines : lines.substr(nl + 1);
}

// A child running zerorl in the background (stdout to /dev/null, stderr to a file), to be killed.
class Background {
 public:
  Background(const std::vector<std::string>& argv, const std::string& err_path,
             const std::vector<std::string>& env = {}) {
    pid_ = fork();
    if (pid_ == 0) {
      int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      int null = open("/dev/null", O_RDWR);
      dup2(null, 0);
      dup2(null, 1);
      dup2(err, 2);
      setpgid(0, 0);
      for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
  }
  ~Background() {
    if (pid_ > 0 && !done_) {
      kill(pid_, SIGKILL);
      wait();
    }
  }
  // Exit status (128 + signal when killed) if it has ended, else -1.
  int poll() {
    if (done_) return code_;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) != pid_) return -1;
    done_ = true;
    code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return code_;
  }
  int wait() {
    if (done_) return code_;
    int status = 0;
    waitpid(pid_, &status, 0);
    done_ = true;
    code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return code_;
  }
  // Sleeps up to `seconds`, returning early (true) when the child ends.
  bool sleep_or_exit(double seconds) {
    const auto t0 = Clock::now();
    while (seconds_since(t0) < seconds) {
      if (poll() >= 0) return true;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return poll() >= 0;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  bool done_ = false;
  int code_ = -1;
};

// Entries of run/checkpoints whose name starts with `prefix`.
int count_entries(const std::string& run, const std::string& prefix) {
  int n = 0;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(run + "/checkpoints", ec))
    n += e.path().filename().string().rfind(prefix, 0) == 0;
  return n;
}

int newest_step(const std::string& run) {
  int best = 0;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(run + "/checkpoints", ec)) {
    std::string n = e.path().filename().string();
    if (n.rfind("step-", 0) == 0) best = std::max(best, std::atoi(n.c_str() + 5));
  }
  return best;
}

// Steps of metrics.jsonl, in order.
std::vector<int> logged_steps(const std::string& run) {
  std::vector<int> out;
  for (auto& l : lines_of(run + "/metrics.jsonl")) out.push_back(nlohmann::json::parse(l)["step"].get<int>());
  return out;
}

}  // namespace

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
