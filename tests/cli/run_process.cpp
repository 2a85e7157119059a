#include "tests/cli/run_process.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <cstring>

namespace zerorl::test {

std::string zerorl_bin() { return std::string(ZERORL_BINARY_DIR) + "/zerorl"; }
std::string source_dir() { return ZERORL_SOURCE_DIR; }
std::string shared_data() { return ZERORL_SHARED_DATA; }

int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  if (!s.empty() && s.back() != '\n') ++n;
  return n;
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& stdin_text, double timeout_s,
                          const std::vector<std::string>& env) {
  int in[2], out[2], err[2];
  if (pipe(in) || pipe(out) || pipe(err)) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
    setpgid(0, 0);  // its own group, so a timeout kills its children too
    for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    chdir(ZERORL_SOURCE_DIR);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  signal(SIGPIPE, SIG_IGN);
  ProcessResult r;
  size_t written = 0;
  if (stdin_text.empty()) close(in[1]), in[1] = -1;
  else fcntl(in[1], F_SETFL, O_NONBLOCK);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  bool out_open = true, err_open = true;
  char buf[65536];
  while (out_open || err_open) {
    std::vector<pollfd> fds;
    if (out_open) fds.push_back({out[0], POLLIN, 0});
    if (err_open) fds.push_back({err[0], POLLIN, 0});
    if (in[1] >= 0) fds.push_back({in[1], POLLOUT, 0});
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    poll(fds.data(), fds.size(), static_cast<int>(std::min<long>(left.count(), 1000)));
    for (auto& f : fds) {
      if (f.fd == in[1] && (f.revents & (POLLOUT | POLLERR | POLLHUP))) {
        ssize_t n = write(in[1], stdin_text.data() + written, stdin_text.size() - written);
        if (n > 0) written += static_cast<size_t>(n);
        if (n < 0 || written == stdin_text.size()) close(in[1]), in[1] = -1;
      } else if (f.revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = read(f.fd, buf, sizeof buf);
        std::string& dst = f.fd == out[0] ? r.out : r.err;
        if (n > 0) dst.append(buf, static_cast<size_t>(n));
        else (f.fd == out[0] ? out_open : err_open) = false;
      }
    }
  }
  if (in[1] >= 0) close(in[1]);
  close(out[0]);
  close(err[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

void expect_no_crash(const ProcessResult& r) {
  EXPECT_LT(r.exit_code, 128) << r.err;
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(has(r.err, "terminate called")) << r.err;
  EXPECT_FALSE(has(r.err, "Exception raised from")) << r.err;
  EXPECT_FALSE(has(r.err, "frame #")) << r.err;
}

Scratch::Scratch(const std::string& name) {
  path_ = testing::TempDir() + "/zerorl_" + name + "_" + std::to_string(getpid());
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

Scratch::~Scratch() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace zerorl::test
