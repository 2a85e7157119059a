#include "trainer/plots.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "core/log.h"

#ifndef ZERORL_SOURCE_DIR
#define ZERORL_SOURCE_DIR "."
#endif

extern char** environ;

namespace zerorl {

namespace {

pid_t g_running = 0;  // the plotting process still drawing, if any

// Reaps the running plotter; with block, waits for it. Returns false when it failed.
bool reap(bool block) {
  if (g_running <= 0) return true;
  int status = 0;
  pid_t r;
  while ((r = waitpid(g_running, &status, block ? 0 : WNOHANG)) < 0 && errno == EINTR) {
  }
  if (r == 0) return true;  // still running
  g_running = 0;
  if (r < 0) return true;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    log_warn("plots: the plotting script failed (exit " +
             std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + "); the run goes on");
    return false;
  }
  return true;
}

}  // namespace

bool write_plots(const std::string& run_dir, bool wait) {
  reap(wait);
  if (g_running > 0) return true;  // the previous refresh is still drawing: skip this one
  const char* py_env = std::getenv("ZERORL_PYTHON");
  const char* script_env = std::getenv("ZERORL_PLOT_SCRIPT");
  const std::string python = py_env && *py_env ? py_env : "/usr/bin/python3";
  const std::string script =
      script_env && *script_env ? script_env : std::string(ZERORL_SOURCE_DIR) + "/scripts/plot_metrics.py";
  std::error_code ec;
  if (!std::filesystem::exists(script, ec)) {
    log_warn("plots: " + script + " not found; no plots drawn");
    return false;
  }
  std::vector<std::string> args = {python, script, run_dir};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);  // stdout is for payloads
  pid_t pid = 0;
  int rc = posix_spawn(&pid, python.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    log_warn("plots: cannot run " + python + ": " + std::strerror(rc));
    return false;
  }
  g_running = pid;
  return reap(wait);
}

void wait_for_plots() { reap(true); }

}  // namespace zerorl
