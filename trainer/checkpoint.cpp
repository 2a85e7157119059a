#include "trainer/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "model/hf_checkpoint.h"
#include "model/safetensors.h"
#include "trainer/sha256.h"

namespace zerorl {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "zerorl-checkpoint/1";
constexpr const char* kState = "trainer_state.json";
// Files every checkpoint has (the tokenizer's and reference.safetensors are checked through the manifest).
const char* const kRequired[] = {"model.safetensors", "config.json", "optimizer.safetensors", "data_state.json",
                                 "rng_state.json"};

std::string hex_of(const torch::Tensor& bytes) {
  static const char* digits = "0123456789abcdef";
  auto t = bytes.contiguous();
  const auto* p = t.data_ptr<uint8_t>();
  std::string out;
  for (int64_t i = 0; i < t.numel(); ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

torch::Tensor bytes_of(const std::string& hex) {
  auto t = torch::empty({int64_t(hex.size() / 2)}, torch::kUInt8);
  auto* p = t.data_ptr<uint8_t>();
  for (size_t i = 0; i + 1 < hex.size(); i += 2) p[i / 2] = uint8_t(std::stoi(hex.substr(i, 2), nullptr, 16));
  return t;
}

nlohmann::json rng_state(int64_t seed) {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return {{"seed", seed},
          {"sampling", "counter-based: splitmix64 keyed by (run.seed, step, prompt slot, sample, position)"},
          {"torch_cpu_generator", hex_of(gen.get_state())}};
}

// The state's checksum covers everything in it but the checksum itself.
std::string self_checksum(nlohmann::json state) {
  state.erase("self_sha256");
  return sha256_hex(state.dump());
}

nlohmann::json read_json(const std::string& path) {
  try {
    return nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception&) {
    throw InputError(path + ": not valid JSON");
  }
}

int64_t step_of(const std::string& name) {
  if (name.size() < 6 || name.compare(0, 5, "step-") != 0) return -1;
  int64_t v = 0;
  for (size_t i = 5; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || v > (int64_t(1) << 50)) return -1;
    v = v * 10 + (name[i] - '0');
  }
  return v;
}

}  // namespace

std::string checkpoint_name(int64_t step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "step-%06lld", static_cast<long long>(step));
  return buf;
}

std::string save_checkpoint(const std::string& checkpoints_dir, const CheckpointContents& c) {
  const fs::path root(checkpoints_dir);
  const std::string name = checkpoint_name(c.counters.step);
  const fs::path tmp = root / (".tmp-" + name);
  const fs::path final_dir = root / name;
  std::error_code ec;
  try {
    fs::create_directories(root);
    fs::remove_all(tmp);
    fs::create_directory(tmp);
    const std::string d = tmp.string();
    int64_t eos = c.tokenizer ? c.tokenizer->eos_id() : -1, pad = c.tokenizer ? c.tokenizer->pad_id() : -1;
    Transformer policy = c.policy;
    save_pretrained(policy, d, eos, -1, pad);
    if (c.tokenizer) c.tokenizer->save(d);
    save_safetensors(d + "/optimizer.safetensors", c.optimizer->state(), {{"format", "zerorl-adamw"}});
    if (c.reference) save_safetensors(d + "/reference.safetensors", hf_state_dict(*c.reference), {{"format", "pt"}});
    write_file(d + "/data_state.json", c.data_state.dump(2) + "\n");
    write_file(d + "/rng_state.json", rng_state(c.seed).dump(2) + "\n");

    nlohmann::json files = nlohmann::json::object();
    std::vector<std::string> names;
    for (auto& e : fs::directory_iterator(tmp))
      if (e.is_regular_file()) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    for (auto& f : names) files[f] = {{"sha256", sha256_file(d + "/" + f)}, {"bytes", fs::file_size(tmp / f)}};
    nlohmann::json state = {{"format", kFormat},
                            {"step", c.counters.step},
                            {"skipped_steps", c.counters.skipped_steps},
                            {"consecutive_skipped", c.counters.consecutive_skipped},
                            {"seed", c.seed},
                            {"files", files}};
    state["self_sha256"] = self_checksum(state);
    write_file(d + "/" + kState, state.dump(2) + "\n");
    fsync_dir(d);

    if (fs::exists(final_dir)) {  // a checkpoint of this step from an earlier attempt: move it aside first
      const fs::path old = root / (".tmp-replaced-" + name);
      fs::remove_all(old);
      fs::rename(final_dir, old);
      fs::remove_all(old);
    }
    fs::rename(tmp, final_dir);
    fsync_dir(root.string());
  } catch (const std::exception& e) {
    fs::remove_all(tmp, ec);
    throw RunError("cannot save checkpoint " + final_dir.string() + ": " + e.what());
  }
  return final_dir.string();
}

std::vector<std::string> list_checkpoints(const std::string& checkpoints_dir) {
  std::vector<std::pair<int64_t, std::string>> found;
  std::error_code ec;
  if (!fs::is_directory(checkpoints_dir, ec)) return {};
  for (auto& e : fs::directory_iterator(checkpoints_dir, ec)) {
    int64_t s = step_of(e.path().filename().string());
    if (s >= 0 && e.is_directory(ec)) found.emplace_back(s, e.path().string());
  }
  std::sort(found.begin(), found.end(), [](auto& a, auto& b) { return a.first > b.first; });
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(f.second);
  return out;
}

void remove_stale_temporaries(const std::string& checkpoints_dir) {
  std::error_code ec;
  if (!fs::is_directory(checkpoints_dir, ec)) return;
  std::vector<fs::path> stale;
  for (auto& e : fs::directory_iterator(checkpoints_dir, ec))
    if (e.path().filename().string().rfind(".tmp-", 0) == 0) stale.push_back(e.path());
  for (auto& p : stale) fs::remove_all(p, ec);
}

void prune_checkpoints(const std::string& checkpoints_dir, int64_t keep_last) {
  auto all = list_checkpoints(checkpoints_dir);
  std::error_code ec;
  for (size_t i = size_t(std::max<int64_t>(keep_last, 1)); i < all.size(); ++i) {
    fs::path p(all[i]);
    fs::path doomed = p.parent_path() / (".tmp-delete-" + p.filename().string());
    fs::rename(p, doomed, ec);
    if (!ec) fs::remove_all(doomed, ec);
    if (ec) log_warn("cannot delete old checkpoint " + all[i] + ": " + ec.message());
  }
}

std::string checkpoint_problem(const std::string& checkpoint_dir) {
  const fs::path dir(checkpoint_dir);
  const std::string state_path = (dir / kState).string();
  std::error_code ec;
  if (!fs::is_regular_file(state_path, ec)) return state_path + ": missing (incomplete checkpoint)";
  nlohmann::json state;
  try {
    state = read_json(state_path);
  } catch (const std::exception& e) {
    return e.what();
  }
  if (!state.is_object() || !state.contains("self_sha256") || !state["self_sha256"].is_string() ||
      state["self_sha256"].get<std::string>() != self_checksum(state))
    return state_path + ": checksum mismatch (corrupt)";
  if (state.value("format", "") != kFormat) return state_path + ": unknown format (expected " + kFormat + ")";
  if (!state.contains("files") || !state["files"].is_object()) return state_path + ": no file list";
  const auto& files = state["files"];
  for (const char* f : kRequired)
    if (!files.contains(f)) return (dir / f).string() + ": not listed in trainer_state.json";
  for (auto& [name, info] : files.items()) {
    const std::string path = (dir / name).string();
    if (!fs::is_regular_file(path, ec)) return path + ": missing";
    const auto want = info.value("bytes", uint64_t(0));
    const auto have = fs::file_size(path, ec);
    if (have != want)
      return path + ": wrong size (" + std::to_string(have) + " bytes, " + std::to_string(want) + " recorded)" +
             (have < want ? ", truncated" : "");
    try {
      if (sha256_file(path) != info.value("sha256", "")) return path + ": checksum mismatch (corrupt)";
    } catch (const std::exception& e) {
      return e.what();
    }
  }
  return "";
}

std::string newest_valid_checkpoint(const std::string& checkpoints_dir) {
  auto all = list_checkpoints(checkpoints_dir);
  std::string first_problem;
  for (auto& c : all) {
    auto problem = checkpoint_problem(c);
    if (problem.empty()) return c;
    if (first_problem.empty()) first_problem = problem;
    log_warn("checkpoint " + c + " is not usable (" + problem + "); trying an older one");
  }
  if (!all.empty()) throw InputError("no valid checkpoint in " + checkpoints_dir + ": " + first_problem);
  return "";
}

RestoredState load_checkpoint(const std::string& checkpoint_dir, Transformer& policy,
                              std::optional<Transformer>& reference, AdamW& optimizer) {
  const fs::path dir(checkpoint_dir);
  auto state = read_json((dir / kState).string());
  RestoredState r;
  try {
    r.counters.step = state.at("step").get<int64_t>();
    r.counters.skipped_steps = state.at("skipped_steps").get<int64_t>();
    r.counters.consecutive_skipped = state.at("consecutive_skipped").get<int64_t>();
    r.seed = state.at("seed").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw InputError((dir / kState).string() + ": " + e.what());
  }
  const std::string model_path = (dir / "model.safetensors").string();
  load_hf_state_dict(policy, load_safetensors(model_path), model_path);
  if (reference) {
    const std::string ref_path = (dir / "reference.safetensors").string();
    if (fs::exists(ref_path)) {
      load_hf_state_dict(*reference, load_safetensors(ref_path), ref_path);
    } else {
      log_warn(checkpoint_dir + " holds no reference model (saved with grpo.beta = 0); the reference restarts "
               "from the checkpoint's policy");
      load_hf_state_dict(*reference, load_safetensors(model_path), model_path);
    }
  }
  const std::string opt_path = (dir / "optimizer.safetensors").string();
  optimizer.load_state(load_safetensors(opt_path), opt_path);
  r.data_state = read_json((dir / "data_state.json").string());
  auto rng = read_json((dir / "rng_state.json").string());
  if (rng.contains("torch_cpu_generator") && rng["torch_cpu_generator"].is_string()) {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    try {
      gen.set_state(bytes_of(rng["torch_cpu_generator"].get<std::string>()));
    } catch (const std::exception&) {
      throw InputError((dir / "rng_state.json").string() + ": bad torch_cpu_generator state");
    }
  }
  return r;
}

}  // namespace zerorl
