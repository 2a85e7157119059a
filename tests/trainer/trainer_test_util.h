#pragma once
// Helpers of the trainer's end-to-end tests: run the real `zerorl` binary on configs/tiny_debug.yaml
// in a fresh temporary directory, read files, compare checkpoints.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_files.h"  // slurp, lines_of, write_file

extern char** environ;

namespace zerorl::test {

inline std::string zerorl_binary() { return std::string(ZERORL_BINARY_DIR) + "/zerorl"; }
inline std::string tiny_config() { return std::string(ZERORL_SOURCE_DIR) + "/configs/tiny_debug.yaml"; }

// A fresh directory under /tmp, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/zerorl_trainer_test_XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Overrides every test run uses: quiet, no plots, small and fast.
inline std::vector<std::string> quiet() {
  return {"--set", "log.plots=false", "--set", "log.progress=false"};
}

// A child process running zerorl with args; stderr goes to err_path.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::string& err_path,
        const std::vector<std::string>& env_extra = {}) {
    std::vector<std::string> argv_s = {zerorl_binary()};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_s;
    for (char** e = environ; *e; ++e) env_s.emplace_back(*e);
    env_s.insert(env_s.end(), env_extra.begin(), env_extra.end());
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), envp.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  pid_t pid() const { return pid_; }
  // Exit code, or 128 + signal when killed by one.
  int wait() {
    int status = 0;
    if (pid_ <= 0 || waitpid(pid_, &status, 0) < 0) return -1;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }

 private:
  pid_t pid_ = -1;
};

// Runs `zerorl train --config tiny_debug.yaml quiet() args...` to completion.
inline int train(const std::vector<std::string>& args, const std::string& err_path,
                 const std::vector<std::string>& env_extra = {}) {
  std::vector<std::string> all = {"train", "--config", tiny_config()};
  auto q = quiet();
  all.insert(all.end(), q.begin(), q.end());
  all.insert(all.end(), args.begin(), args.end());
  return Child(all, err_path, env_extra).wait();
}

inline std::vector<std::string> set(const std::string& kv) { return {"--set", kv}; }

inline std::vector<std::string> join(std::vector<std::vector<std::string>> parts) {
  std::vector<std::string> out;
  for (auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace zerorl::test
