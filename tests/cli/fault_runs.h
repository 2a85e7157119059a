#pragma once
// Helpers of the end-to-end fault tests (reliability_test.cpp: kill -9 and damaged checkpoints;
// fault_test.cpp: non-finite steps and disk faults): tiny_debug runs with a checkpoint every step, a
// background child to kill, and readers of a run directory.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/cli/run_process.h"

namespace zerorl::test::faults {

namespace fs = std::filesystem;

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

inline std::string ckpt(const std::string& run, int step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "step-%06d", step);
  return run + "/checkpoints/" + buf;
}

// tiny_debug, quiet, one thread, a checkpoint every step, no evaluation.
inline std::vector<std::string> train_args(const std::string& run, int steps, std::vector<std::string> sets = {}) {
  std::vector<std::string> a = {zerorl_bin(), "train", "--config", source_dir() + "/configs/tiny_debug.yaml"};
  std::vector<std::string> all = {"run.dir=" + run, "train.steps=" + std::to_string(steps), "train.save_every=1",
                                  "train.eval_every=0", "log.plots=false", "log.progress=false", "run.threads=1"};
  all.insert(all.end(), sets.begin(), sets.end());
  for (auto& s : all) a.insert(a.end(), {"--set", s});
  return a;
}

inline std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& more) {
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

inline std::string last_line(const std::string& s) {
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
inline int count_entries(const std::string& run, const std::string& prefix) {
  int n = 0;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(run + "/checkpoints", ec))
    n += e.path().filename().string().rfind(prefix, 0) == 0;
  return n;
}

inline int newest_step(const std::string& run) {
  int best = 0;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(run + "/checkpoints", ec)) {
    std::string n = e.path().filename().string();
    if (n.rfind("step-", 0) == 0) best = std::max(best, std::atoi(n.c_str() + 5));
  }
  return best;
}

// Steps of metrics.jsonl, in order.
inline std::vector<int> logged_steps(const std::string& run) {
  std::vector<int> out;
  for (auto& l : lines_of(run + "/metrics.jsonl")) out.push_back(nlohmann::json::parse(l)["step"].get<int>());
  return out;
}

}  // namespace zerorl::test::faults
