#include "trainer/run_dir.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "trainer/checkpoint.h"

#ifndef ZERORL_SOURCE_DIR
#define ZERORL_SOURCE_DIR "."
#endif

namespace zerorl {

namespace fs = std::filesystem;

namespace {

std::string timestamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return buf;
}

std::string default_run_dir(const Config& cfg) {
  const fs::path base = fs::path("runs") / cfg.run.name;
  std::string dir = (base / timestamp()).string();
  for (int i = 2; fs::exists(dir); ++i) dir = (base / (timestamp() + "-" + std::to_string(i))).string();
  return dir;
}

std::string checkpoints_of(const std::string& run_dir) { return (fs::path(run_dir) / "checkpoints").string(); }

std::string read_trimmed(const fs::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// The commit of the source tree, read from .git without running git.
std::string git_commit() {
  fs::path git = fs::path(ZERORL_SOURCE_DIR) / ".git";
  std::error_code ec;
  if (fs::is_regular_file(git, ec)) {  // worktree: "gitdir: PATH"
    auto line = read_trimmed(git);
    if (line.rfind("gitdir: ", 0) == 0) git = fs::path(line.substr(8));
  }
  std::string head = read_trimmed(git / "HEAD");
  if (head.rfind("ref: ", 0) != 0) return head.empty() ? "unknown" : head;
  std::string ref = head.substr(5);
  std::string commit = read_trimmed(git / ref);
  if (!commit.empty()) return commit;
  std::ifstream packed(git / "packed-refs");
  for (std::string line; std::getline(packed, line);)
    if (line.size() > 41 && line.compare(41, std::string::npos, ref) == 0) return line.substr(0, 40);
  return "unknown (" + ref + " has no commit yet)";
}

}  // namespace

RunPlan plan_run(const Config& cfg, const std::string& resume) {
  RunPlan plan;
  const bool explicit_dir = !cfg.run.dir.empty();
  if (resume == "never") {
    plan.run_dir = explicit_dir ? cfg.run.dir : default_run_dir(cfg);
    if (explicit_dir && !list_checkpoints(checkpoints_of(plan.run_dir)).empty())
      throw InputError("run.dir " + plan.run_dir + " already holds checkpoints; pass --resume auto to continue "
                       "that run, or choose another run.dir");
    return plan;
  }
  if (resume == "auto") {
    if (explicit_dir) {
      plan.run_dir = cfg.run.dir;
      plan.resume_from = newest_valid_checkpoint(checkpoints_of(plan.run_dir));
      return plan;
    }
    // runs/<name>/<date-time>: the newest one that has checkpoints
    std::vector<std::string> runs;
    std::error_code ec;
    const fs::path base = fs::path("runs") / cfg.run.name;
    if (fs::is_directory(base, ec))
      for (auto& e : fs::directory_iterator(base, ec))
        if (e.is_directory(ec)) runs.push_back(e.path().string());
    std::sort(runs.rbegin(), runs.rend());
    for (auto& r : runs)
      if (!list_checkpoints(checkpoints_of(r)).empty()) {
        plan.run_dir = r;
        plan.resume_from = newest_valid_checkpoint(checkpoints_of(r));
        return plan;
      }
    plan.run_dir = default_run_dir(cfg);
    return plan;
  }
  // An explicit directory: a checkpoint, or a run directory.
  std::error_code ec;
  const fs::path p(resume);
  if (fs::is_regular_file(p / "trainer_state.json", ec) || fs::is_regular_file(p / "model.safetensors", ec)) {
    auto problem = checkpoint_problem(p.string());
    if (!problem.empty()) throw InputError("--resume " + resume + ": " + problem);
    plan.resume_from = p.string();
    plan.run_dir = explicit_dir ? cfg.run.dir : fs::absolute(p).lexically_normal().parent_path().parent_path().string();
    return plan;
  }
  if (fs::is_directory(p / "checkpoints", ec)) {
    plan.run_dir = explicit_dir ? cfg.run.dir : p.string();
    plan.resume_from = newest_valid_checkpoint(checkpoints_of(p.string()));
    if (plan.resume_from.empty()) throw InputError("--resume " + resume + ": no checkpoint in " + checkpoints_of(resume));
    return plan;
  }
  throw InputError("--resume " + resume + ": expected auto, never, a checkpoint directory (with trainer_state.json) "
                   "or a run directory (with checkpoints/)");
}

bool prepare_run_dir(const std::string& dir) {
  std::error_code ec;
  const bool existed = fs::exists(dir, ec);
  for (const std::string& d : {dir, (fs::path(dir) / "checkpoints").string(), (fs::path(dir) / "plots").string()}) {
    if (fs::exists(d, ec) && !fs::is_directory(d, ec))
      throw InputError("run directory: " + d + " exists and is not a directory");
    fs::create_directories(d, ec);
    if (ec) throw InputError("run directory: cannot create " + d + ": " + ec.message());
  }
  // Prove it writable now rather than at the first checkpoint (root ignores permission bits, so try it).
  const std::string probe = (fs::path(dir) / (".write-test-" + std::to_string(::getpid()))).string();
  {
    std::ofstream out(probe);
    out << "ok\n";
    out.flush();
    if (!out) throw InputError("run directory: cannot write in " + dir);
  }
  fs::remove(probe, ec);
  return !existed;
}

void write_provenance(const std::string& dir, const std::vector<std::string>& command_line,
                      const std::string& threads) {
  std::string cmd;
  for (auto& a : command_line) cmd += (cmd.empty() ? "" : " ") + a;
  char cwd[4096] = {0};
  if (!::getcwd(cwd, sizeof cwd)) cwd[0] = 0;
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  auto env = [](const char* k) { const char* v = std::getenv(k); return v ? std::string(v) : std::string(); };
  nlohmann::json p = {
      {"command", cmd},
      {"argv", command_line},
      {"cwd", cwd},
      {"host", host},
      {"pid", ::getpid()},
      {"started", timestamp()},
      {"git_commit", git_commit()},
      {"source_dir", ZERORL_SOURCE_DIR},
      {"versions",
       {{"libtorch", TORCH_VERSION},
        {"compiler", __VERSION__},
        {"cplusplus", __cplusplus},
        {"nlohmann_json", std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                              std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                              std::to_string(NLOHMANN_JSON_VERSION_PATCH)}}},
      {"threads",
       {{"setting", threads},
        {"torch_intra_op", at::get_num_threads()},
        {"hardware_concurrency", std::thread::hardware_concurrency()},
        {"OMP_NUM_THREADS", env("OMP_NUM_THREADS")},
        {"OPENBLAS_NUM_THREADS", env("OPENBLAS_NUM_THREADS")}}}};
  write_file_atomic((fs::path(dir) / "provenance.json").string(), p.dump(2) + "\n");
}

void truncate_jsonl_after(const std::string& path, int64_t max_step) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return;
  std::ifstream in(path);
  std::string kept, line;
  bool changed = false;
  while (std::getline(in, line)) {
    bool keep = false;
    try {
      auto row = nlohmann::json::parse(line);
      keep = row.is_object() && row.contains("step") && row["step"].is_number() &&
             row["step"].get<int64_t>() <= max_step;
    } catch (const nlohmann::json::exception&) {
    }
    if (keep) kept += line + "\n";
    else changed = true;
  }
  if (changed) write_file_atomic(path, kept);
}

}  // namespace zerorl
