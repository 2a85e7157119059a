// Data parallel end to end: scripts/launch_local.sh with 2 ranks against 1 rank, a killed rank, and a
// resume with another number of ranks. Weights are compared by reading model.safetensors directly.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/cli/run_process.h"

using namespace zerorl::test;
namespace fs = std::filesystem;

namespace {

// F32 tensors of a safetensors file, by name (an independent reader: header length, JSON, raw bytes).
std::map<std::string, std::vector<float>> read_f32(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string b = ss.str();
  EXPECT_GE(b.size(), 8u) << path;
  if (b.size() < 8) return {};
  uint64_t n = 0;
  std::memcpy(&n, b.data(), 8);
  auto h = nlohmann::json::parse(b.substr(8, n));
  std::map<std::string, std::vector<float>> out;
  for (auto& [name, t] : h.items()) {
    if (name == "__metadata__") continue;
    EXPECT_EQ(t["dtype"], "F32") << name;
    size_t begin = t["data_offsets"][0], end = t["data_offsets"][1];
    std::vector<float> v((end - begin) / 4);
    std::memcpy(v.data(), b.data() + 8 + n + begin, end - begin);
    out[name] = v;
  }
  return out;
}

double max_abs_diff(const std::string& a, const std::string& b) {
  auto x = read_f32(a), y = read_f32(b);
  EXPECT_EQ(x.size(), y.size());
  EXPECT_FALSE(x.empty());
  double m = 0;
  for (auto& [k, v] : x) {
    auto it = y.find(k);
    if (it == y.end() || it->second.size() != v.size()) {
      ADD_FAILURE() << "tensor " << k << " differs in presence or size";
      return 1e9;
    }
    for (size_t i = 0; i < v.size(); ++i) m = std::max(m, std::fabs(double(v[i]) - double(it->second[i])));
  }
  return m;
}

std::string fresh_dir(const std::string& name) {
  std::string d = testing::TempDir() + "/dist_" + name + "_" + std::to_string(getpid());
  fs::remove_all(d);
  return d;
}

std::vector<std::string> train_args(const std::string& dir, int steps) {
  return {zerorl_bin(), "train", "--config", source_dir() + "/configs/tiny_debug.yaml", "--set", "run.dir=" + dir,
          "--set", "train.steps=" + std::to_string(steps), "--set", "train.eval_every=0", "--set", "log.plots=false",
          "--set", "train.save_every=1", "--set", "train.keep_last=10", "--set", "run.threads=1"};
}

std::vector<std::string> launch(int n, std::vector<std::string> args) {
  std::vector<std::string> v = {"bash", source_dir() + "/scripts/launch_local.sh", "-n", std::to_string(n), "--"};
  v.insert(v.end(), args.begin(), args.end());
  return v;
}

std::string weights(const std::string& dir, int step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "step-%06d", step);
  return dir + "/checkpoints/" + buf + "/model.safetensors";
}

}  // namespace

TEST(Distributed, TwoRanksReachTheWeightsOfOneRank) {
  std::string one = fresh_dir("one"), two = fresh_dir("two");
  auto r1 = run_process(train_args(one, 3));
  ASSERT_EQ(r1.exit_code, 0) << r1.err;
  auto r2 = run_process(launch(2, train_args(two, 3)));
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  EXPECT_NE(r2.err.find("[rank 1] rank 1/2"), std::string::npos) << r2.err;
  EXPECT_LE(max_abs_diff(weights(one, 3), weights(two, 3)), 1e-5);
  // rank 0 alone writes the run directory's logs, one row per step
  std::ifstream m(two + "/metrics.jsonl");
  int rows = 0;
  for (std::string line; std::getline(m, line);) ++rows;
  EXPECT_EQ(rows, 3);
}

TEST(Distributed, ResumeWithAnotherNumberOfRanks) {
  std::string one = fresh_dir("ref"), mixed = fresh_dir("mixed");
  auto ref = run_process(train_args(one, 4));
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  auto a = run_process(launch(2, train_args(mixed, 2)));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  auto args = train_args(mixed, 4);
  args.push_back("--resume");
  args.push_back("auto");
  auto b = run_process(args);  // 2 ranks -> 1 rank
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_LE(max_abs_diff(weights(one, 4), weights(mixed, 4)), 1e-5);
}

TEST(Distributed, AKilledRankMakesTheOthersExitWithAClearError) {
  std::string dir = fresh_dir("kill");
  auto args = launch(2, train_args(dir, 100000));
  // Start the launcher, wait for the first checkpoint, kill rank 1 with SIGKILL.
  int out_pipe[2];
  ASSERT_EQ(pipe(out_pipe), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_pipe[1], 2);
    dup2(out_pipe[1], 1);
    close(out_pipe[0]);
    std::vector<char*> av;
    for (auto& s : args) av.push_back(const_cast<char*>(s.c_str()));
    av.push_back(nullptr);
    setpgid(0, 0);
    execvp(av[0], av.data());
    _exit(127);
  }
  close(out_pipe[1]);
  auto t0 = std::chrono::steady_clock::now();
  pid_t victim = -1;
  while (victim < 0 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (!fs::exists(dir + "/checkpoints/step-000002")) continue;
    // rank 1: a zerorl process whose command line names this run directory and whose RANK is 1
    for (auto& e : fs::directory_iterator("/proc")) {
      std::string name = e.path().filename();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::ifstream cmd(e.path() / "cmdline"), env(e.path() / "environ");
      std::string c((std::istreambuf_iterator<char>(cmd)), {}), v((std::istreambuf_iterator<char>(env)), {});
      if (c.find("run.dir=" + dir) != std::string::npos && c.find("zerorl") != std::string::npos &&
          c.find("launch_local") == std::string::npos && v.find(std::string("RANK=1\0", 7)) != std::string::npos &&
          v.find(std::string("\0RANK=1", 7)) != std::string::npos)
        victim = std::stoi(name);
    }
  }
  ASSERT_GT(victim, 0) << "rank 1 not found";
  kill(victim, SIGKILL);
  // The launcher must return within 60 s (hang guard, not a speed check).
  int status = 0;
  bool exited = false;
  auto t1 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t1 < std::chrono::seconds(60)) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (!exited) {
    kill(-pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  std::string log;
  char buf[4096];
  fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
  for (ssize_t n; (n = read(out_pipe[0], buf, sizeof buf)) > 0;) log.append(buf, size_t(n));
  close(out_pipe[0]);
  ASSERT_TRUE(exited) << "launcher still running 60 s after a rank was killed\n" << log;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << log;
  EXPECT_NE(log.find("[rank 0] error: data parallel"), std::string::npos) << log;
  // no orphan: no process of this run is left
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  for (auto& e : fs::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream cmd(e.path() / "cmdline");
    std::string c((std::istreambuf_iterator<char>(cmd)), {});
    std::ifstream st(e.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(st)), {});
    bool zombie = stat.find(") Z ") != std::string::npos;
    EXPECT_FALSE(!zombie && c.find("run.dir=" + dir) != std::string::npos) << "orphan process " << name;
  }
}
