#include "rewards/external_reward.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "core/error.h"
#include "core/jsonl.h"
#include "core/log.h"
#include "core/text.h"

namespace zerorl {

const std::vector<ParamSpec>& external_reward_params() {
  static const std::vector<ParamSpec> specs = {
      {"command", ParamType::StringList, nlohmann::json::array(), "argv of the reward program (JSON lines over stdin/stdout)", {}},
      {"timeout_s", ParamType::Double, 30.0, "seconds per batch before the program is killed and restarted", {}, 0.001, 86400},
      {"cpu_s", ParamType::Int, 600, "CPU seconds the program may use over its life (RLIMIT_CPU); 0 = no limit", {}, 0, 1e9},
      {"memory_mb", ParamType::Int, 4096, "address space of the program in MiB (RLIMIT_AS); 0 = no limit", {}, 0, 1e9},
  };
  return specs;
}

namespace {

std::string resolve_executable(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  for (auto& dir : split(path ? path : "/usr/bin:/bin", ':')) {
    std::string full = (dir.empty() ? "." : dir) + "/" + name;
    if (access(full.c_str(), X_OK) == 0) return full;
  }
  return "";
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

ExternalReward::ExternalReward(std::string name, ExternalOptions opts) : name_(std::move(name)), opts_(std::move(opts)) {
  if (opts_.command.empty()) throw InputError("rewards." + name_ + ".command: empty argv");
  exe_ = resolve_executable(opts_.command[0]);
  if (exe_.empty())
    throw InputError("rewards." + name_ + ".command: " + quote(opts_.command[0]) + " is not an executable file" +
                     (opts_.command[0].find('/') == std::string::npos ? " on PATH" : ""));
}

ExternalReward::~ExternalReward() { stop(); }

bool ExternalReward::start(std::string& error) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    error = std::string("socketpair failed: ") + std::strerror(errno);
    return false;
  }
  // Everything the child needs is prepared before fork: between fork and exec only
  // async-signal-safe calls are allowed (the parent may run other threads).
  std::vector<char*> argv;
  for (auto& a : opts_.command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  struct rlimit cpu = {static_cast<rlim_t>(opts_.cpu_s), static_cast<rlim_t>(opts_.cpu_s + 1)};
  rlim_t mem_bytes = static_cast<rlim_t>(opts_.memory_mb) * 1024 * 1024;
  struct rlimit mem = {mem_bytes, mem_bytes};
  const char* exe = exe_.c_str();
  pid_t pid = fork();
  if (pid < 0) {
    error = std::string("fork failed: ") + std::strerror(errno);
    close(sv[0]);
    close(sv[1]);
    return false;
  }
  if (pid == 0) {
    setpgid(0, 0);  // its own group: a timeout kills whatever it started too
    if (dup2(sv[1], 0) < 0 || dup2(sv[1], 1) < 0) _exit(127);
    if (opts_.cpu_s > 0) setrlimit(RLIMIT_CPU, &cpu);
    if (opts_.memory_mb > 0) setrlimit(RLIMIT_AS, &mem);
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(exe, argv.data());
    _exit(127);
  }
  close(sv[1]);
  fd_ = sv[0];
  fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
  pid_ = pid;
  ++starts_;
  return true;
}

void ExternalReward::stop() {
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
  if (pid_ > 0) {
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    int status;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
}

std::vector<Score> ExternalReward::fail(const std::string& why, size_t n) {
  ++failures_;
  stop();
  log_warn("reward " + name_ + ": external program " + why + "; " + std::to_string(n) +
           " samples get no score (failed batches so far: " + std::to_string(failures_) +
           "); it restarts for the next batch");
  return std::vector<Score>(n);
}

// Sends the request and reads one reply line, within the timeout. Writing and reading are
// interleaved so that a program that answers while we still write cannot deadlock us.
bool ExternalReward::exchange(const std::string& request, std::string& reply, std::string& error) {
  auto t0 = std::chrono::steady_clock::now();
  size_t written = 0;
  std::string in;
  char buf[65536];
  while (true) {
    double left = opts_.timeout_s - seconds_since(t0);
    if (left <= 0) {
      char t[64];
      std::snprintf(t, sizeof(t), "%g", opts_.timeout_s);
      error = std::string("timed out after ") + t + " s";
      return false;
    }
    struct pollfd p = {fd_, static_cast<short>(POLLIN | (written < request.size() ? POLLOUT : 0)), 0};
    int rc = poll(&p, 1, static_cast<int>(std::ceil(left * 1000)));
    if (rc < 0) {
      if (errno == EINTR) continue;
      error = std::string("poll failed: ") + std::strerror(errno);
      return false;
    }
    if (rc == 0) continue;
    if ((p.revents & POLLOUT) && written < request.size()) {
      // MSG_NOSIGNAL: a program that died gives EPIPE here, never a SIGPIPE that would kill us.
      ssize_t w = send(fd_, request.data() + written, request.size() - written, MSG_NOSIGNAL);
      if (w > 0) written += static_cast<size_t>(w);
      else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        error = "closed its input (" + std::string(std::strerror(errno)) + ")";
        return false;
      }
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t r = recv(fd_, buf, sizeof(buf), 0);
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        int status = 0;
        std::string how = "exited";
        if (pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          if (WIFEXITED(status)) how = "exited with status " + std::to_string(WEXITSTATUS(status));
          else if (WIFSIGNALED(status)) how = "was killed by signal " + std::to_string(WTERMSIG(status));
        }
        error = how + " before replying";
        return false;
      }
      if (r > 0) in.append(buf, static_cast<size_t>(r));
      size_t nl = in.find('\n');
      if (nl != std::string::npos) {
        if (written < request.size() || nl + 1 != in.size()) {
          error = "replied out of turn (before reading the whole request, or more than one line)";
          return false;
        }
        reply = in.substr(0, nl);
        return true;
      }
      if (in.size() > (64u << 20)) {
        error = "sent a reply line longer than 64 MiB";
        return false;
      }
    }
  }
}

std::vector<Score> ExternalReward::score(const std::vector<RewardInput>& batch) {
  if (batch.empty()) return {};
  nlohmann::json items = nlohmann::json::array();
  for (auto& in : batch) {
    nlohmann::json item = in.row->is_object() ? *in.row : nlohmann::json::object();
    item["prompt"] = in.prompt;
    item["completion"] = in.completion;
    item["completion_tokens"] = in.completion_tokens;
    item["finish_reason"] = to_string(in.finish_reason);
    items.push_back(std::move(item));
  }
  nlohmann::json req = {{"reward", name_}, {"items", std::move(items)}};
  std::string line = to_json_line(req) + "\n";
  std::string error;
  if (pid_ < 0 && !start(error)) return fail("could not start: " + error, batch.size());
  std::string reply;
  if (!exchange(line, reply, error)) return fail(error, batch.size());
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(reply);
  } catch (const std::exception&) {
    return fail("sent a reply that is not JSON: " + quote(reply), batch.size());
  }
  if (!j.is_object() || !j.contains("scores") || !j["scores"].is_array() || j["scores"].size() != batch.size())
    return fail("sent a malformed reply (expected {\"scores\": [" + std::to_string(batch.size()) +
                    " numbers or nulls]}): " + quote(reply),
                batch.size());
  std::vector<Score> out;
  for (auto& s : j["scores"]) {
    if (s.is_null()) out.push_back(std::nullopt);
    else if (s.is_number() && std::isfinite(s.get<double>())) out.push_back(s.get<double>());
    else return fail("sent a score that is not a finite number or null: " + quote(s.dump()), batch.size());
  }
  return out;
}

}  // namespace zerorl
