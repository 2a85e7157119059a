// Trainer construction (everything before the first step) and the run loop around step().
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "core/text.h"
#include "model/hf_checkpoint.h"
#include "model/threads.h"
#include "trainer/corpus.h"
#include "trainer/plots.h"
#include "trainer/run_dir.h"
#include "trainer/signals.h"
#include "trainer/summary.h"
#include "trainer/trainer.h"

namespace zerorl {

namespace fs = std::filesystem;

Tokenizer load_run_tokenizer(const Config& cfg) {
  if (!cfg.tokenizer.path.empty()) return Tokenizer::load(cfg.tokenizer.path);
  if (!cfg.model.path.empty()) return Tokenizer::load(cfg.model.path);
  return tiny_tokenizer();
}

namespace {

// The model.* shape fields a config sets explicitly, as text by key (path, dtype, device and the init's
// std are not shape: they apply to a loaded model too).
struct ShapeFields {
  const std::set<std::string>* explicitly_set = nullptr;  // null: every field
  std::map<std::string, std::string> values;
  template <class T, class... Rest> void operator()(const char* key, T& value, Rest&&...) {
    const std::string k = key;
    if (k == "path" || k == "dtype" || k == "device" || k == "initializer_range") return;
    if (explicitly_set && !explicitly_set->count("model." + k)) return;
    std::ostringstream os;
    os.precision(17);
    os << std::boolalpha << value;
    values[k] = os.str();
  }
};

// DESIGN.md: with model.path, config.json gives the shape, and a model.* shape field that disagrees is an error.
void check_shape_fields(const Config& cfg, const ModelConfig& loaded) {
  ShapeFields set{&cfg.explicitly_set, {}}, have{nullptr, {}};
  ModelConfig given = cfg.model, found = loaded;
  fields(set, given);
  fields(have, found);
  std::string problems;
  int n = 0;
  for (auto& [key, value] : set.values) {
    if (key == "head_dim" && value == "0") continue;  // 0 = derived from the other fields
    if (have.values[key] == value) continue;
    if (n++ == 0) problems = "model." + key + " = " + value + " disagrees with " + have.values[key] + " in " +
                             (fs::path(cfg.model.path) / "config.json").string();
  }
  if (n > 1) problems += " (and " + std::to_string(n - 1) + " more model.* fields)";
  if (n > 0) throw InputError(problems + "; with model.path, config.json gives the shape: drop the model.* shape keys");
}

}  // namespace

Transformer load_run_model(const Config& cfg) {
  if (!cfg.model.path.empty()) {
    check_shape_fields(cfg, read_hf_config(cfg.model.path));
    return load_pretrained(cfg.model.path, cfg.model.device, cfg.model.dtype);
  }
  Transformer m(cfg.model);
  init_weights(m, uint64_t(cfg.run.seed));
  return m;
}

namespace {

// Test hook reachable from the binary (end-to-end NaN tests): ZERORL_TEST_NAN_STEPS=2,3:inf,5:grad poisons
// the loss of those steps: NaN loss and gradient (default), an infinite loss with a finite gradient (inf),
// or a finite loss with a NaN gradient (grad: 0 * sqrt(0) has gradient 0 * inf).
std::function<void(int64_t, torch::Tensor&)> env_loss_hook() {
  const char* env = std::getenv("ZERORL_TEST_NAN_STEPS");
  if (!env || !*env) return nullptr;
  std::map<int64_t, std::string> kinds;
  for (const auto& item : split(env, ',')) {
    const auto colon = item.find(':');
    const std::string step = trim(item.substr(0, colon)), kind = colon == std::string::npos ? "nan" : item.substr(colon + 1);
    if (step.empty() || step.find_first_not_of("0123456789") != std::string::npos || step.size() > 12 ||
        (kind != "nan" && kind != "inf" && kind != "grad"))
      throw InputError("ZERORL_TEST_NAN_STEPS: " + quote(item) + " is not STEP or STEP:nan|inf|grad");
    kinds[std::stoll(step)] = kind;
  }
  log_warn("ZERORL_TEST_NAN_STEPS=" + std::string(env) + ": the loss of those steps is poisoned (test hook)");
  return [kinds](int64_t step, torch::Tensor& loss) {
    auto it = kinds.find(step);
    if (it == kinds.end()) return;
    if (it->second == "nan") loss = loss * std::numeric_limits<double>::quiet_NaN();
    else if (it->second == "inf") loss = loss + std::numeric_limits<double>::infinity();
    else loss = loss + 0.0 * torch::sqrt(loss - loss);
  };
}

}  // namespace

Trainer::Trainer(const Config& cfg, TrainOptions opts) : cfg_(cfg), opts_(std::move(opts)) {
  // A run directory this setup created is removed again when setup fails: no empty run left behind.
  auto undo = [this] {
    std::error_code ec;
    if (created_run_dir_) fs::remove_all(run_dir_, ec);
  };
  try {
    loss_hook = env_loss_hook();
    setup(opts_.resume.empty() ? cfg_.run.resume : opts_.resume);
  } catch (const InputError&) {
    undo();
    throw;
  } catch (const c10::Error& e) {  // before the first step everything is exit 2
    undo();
    throw InputError(std::string("LibTorch: ") + e.what_without_backtrace());
  } catch (const std::exception& e) {
    undo();
    throw InputError(e.what());
  }
}

void Trainer::setup(const std::string& resume) {
  RunPlan plan = plan_run(cfg_, resume);
  run_dir_ = plan.run_dir;
  if (opts_.dist.is_main()) created_run_dir_ = prepare_run_dir(run_dir_);
  const std::string threads = set_compute_threads(cfg_.run.threads);

  data_ = load_data(cfg_);
  if (data_.train.empty()) throw InputError("data: no training prompts");
  if (data_.skipped_rows > 0)
    log_warn("data: skipped " + std::to_string(data_.skipped_rows) + " bad rows (data.skip_bad_rows)");
  tok_ = load_run_tokenizer(cfg_);
  build_model();
  rewards_ = std::make_unique<RewardSet>(cfg_);
  engine_ = std::make_unique<Engine>(policy_, tok_, cfg_.rollout);
  sampling_ = SamplingParams::from(cfg_.rollout);
  if (tok_.eos_id() >= 0) sampling_.stop_token_ids.push_back(tok_.eos_id());
  sampling_.validate();
  // Which prompt: the file and its n-th row (n-th usable row with data.skip_bad_rows), or the synthetic task.
  const std::string source = cfg_.data.train.empty() ? "data (task." + cfg_.task.name + ")" : cfg_.data.train;
  for (auto& ex : data_.train) {
    const std::string where = source + ": prompt " + std::to_string(train_prompt_ids_.size() + 1);
    train_prompt_ids_.push_back(tok_.encode(ex.prompt));
    if (train_prompt_ids_.back().empty()) throw InputError(where + " encodes to no tokens: " + quote(ex.question));
    if (int64_t(train_prompt_ids_.back().size()) >= policy_->config().max_position_embeddings)
      throw InputError(where + " has " + std::to_string(train_prompt_ids_.back().size()) +
                       " tokens, which leaves no room for a completion within model.max_position_embeddings = " +
                       std::to_string(policy_->config().max_position_embeddings) + ": " + quote(ex.question, 60));
    for (int32_t id : train_prompt_ids_.back())
      if (id >= policy_->config().vocab_size)
        throw InputError("tokenizer " + tok_.source() + " gives id " + std::to_string(id) +
                         ", beyond the model's vocab_size " + std::to_string(policy_->config().vocab_size));
  }
  sampler_ = std::make_unique<PromptSampler>(data_.train.size(), uint64_t(cfg_.run.seed));
  if (!data_.eval.empty() && cfg_.train.eval_every > 0)
    evaluator_ = std::make_unique<Evaluator>(cfg_, tok_, data_.eval);
  else if (cfg_.train.eval_every > 0)
    log_warn("no evaluation split (data.eval / task.eval_size): evaluation is off");
  recheck_metric_ = cfg_.data.train.empty() && (cfg_.task.name.empty() || cfg_.task.name == "addition");

  if (!plan.resume_from.empty()) restore(plan.resume_from);
  if (!opts_.dist.is_main()) return;
  const fs::path dir(run_dir_);
  remove_stale_temporaries((dir / "checkpoints").string());
  // Logs hold exactly the steps up to where this run starts (a resumed run rewrites later ones).
  for (const char* log : {"metrics.jsonl", "completions.jsonl", "eval.jsonl"})
    truncate_jsonl_after((dir / log).string(), plan.resume_from.empty() ? -1 : counters_.step);
  const std::string config_path = (dir / "config.yaml").string();
  const std::string yaml = dump_yaml(cfg_);
  if (!plan.resume_from.empty() && fs::exists(config_path) && read_file(config_path) != yaml)
    log_warn("the config differs from the one this run started with; " + config_path + " now holds the new one");
  write_file_atomic(config_path, yaml);
  write_provenance(run_dir_, opts_.command_line, threads);
  metrics_.open((dir / "metrics.jsonl").string());
  completions_.open((dir / "completions.jsonl").string());
  eval_log_.open((dir / "eval.jsonl").string());
  log_info("run directory " + run_dir_ + (plan.resume_from.empty() ? "" : ", resumed from " + plan.resume_from));
}

void Trainer::build_model() {
  policy_ = load_run_model(cfg_);
  cfg_.model = policy_->config();  // model.path: its config.json is the shape
  if (tok_.vocab_size() > cfg_.model.vocab_size)
    throw InputError("tokenizer " + tok_.source() + " has " + std::to_string(tok_.vocab_size()) +
                     " tokens but model.vocab_size is " + std::to_string(cfg_.model.vocab_size));
  if (cfg_.grpo.beta > 0) {  // a frozen copy; with beta == 0 no reference is held at all
    Transformer ref(cfg_.model);
    torch::NoGradGuard no_grad;
    auto src = policy_->parameters();
    auto dst = ref->parameters();
    for (size_t i = 0; i < src.size(); ++i) {
      dst[i].copy_(src[i]);
      dst[i].set_requires_grad(false);
    }
    reference_ = ref;
  }
  std::vector<std::pair<std::string, torch::Tensor>> named;
  for (auto& item : policy_->named_parameters()) named.emplace_back(item.key(), item.value());
  optimizer_ = std::make_unique<AdamW>(make_param_groups(named, cfg_.optim), cfg_.optim);
}

void Trainer::restore(const std::string& checkpoint) {
  auto r = load_checkpoint(checkpoint, policy_, reference_, *optimizer_);
  if (r.seed != cfg_.run.seed)
    log_warn(checkpoint + " was saved with run.seed " + std::to_string(r.seed) + ", this run has " +
             std::to_string(cfg_.run.seed) + ": the continuation will differ from the original run");
  sampler_->restore(r.data_state);
  counters_ = r.counters;
  last_saved_step_ = counters_.step;
  last_eval_step_ = counters_.step;  // its evaluation (if any) is in eval.jsonl already
  resumed_from_ = checkpoint;
}

int Trainer::run() {
  StopSignals signals;
  const double start = now_seconds();
  const int64_t total = cfg_.train.steps;
  Progress progress("step", long(total));
  bool out_of_time = false;
  double save_seconds = 0;
  try {
    if (counters_.step == 0 && cfg_.train.eval_every > 0) evaluate_and_plot(0);
    while (counters_.step < total && !StopSignals::received()) {
      if (cfg_.train.max_time > 0 &&
          now_seconds() - start + last_step_seconds_ + save_seconds > cfg_.train.max_time) {
        log_info("train.max_time (" + std::to_string(cfg_.train.max_time) + " s) is near: stopping after step " +
                 std::to_string(counters_.step));
        out_of_time = true;
        break;
      }
      const double t0 = now_seconds();
      nlohmann::json row;
      try {
        row = step();
      } catch (const StopRequested&) {
        break;
      }
      last_step_seconds_ = now_seconds() - t0;
      const int64_t s = counters_.step;
      if (cfg_.log.progress && (s % cfg_.log.progress_every == 0 || s == total))
        progress.update(long(s), progress_text(row));
      if (counters_.consecutive_skipped >= cfg_.train.max_skipped_steps)
        throw RunError(std::to_string(counters_.consecutive_skipped) + " steps in a row had a non-finite loss or "
                       "gradient (train.max_skipped_steps = " + std::to_string(cfg_.train.max_skipped_steps) +
                       "), last at step " + std::to_string(s) + "; lower optim.lr or check the rewards");
      if (cfg_.train.save_every > 0 && s % cfg_.train.save_every == 0) {
        const double t1 = now_seconds();
        save();
        save_seconds = now_seconds() - t1;
      }
      if (cfg_.train.eval_every > 0 && s % cfg_.train.eval_every == 0 && s < total) evaluate_and_plot(s);
    }
    if (cfg_.log.progress) progress.finish();
    if (StopSignals::received()) {
      log_warn(std::string(StopSignals::received() == SIGINT ? "SIGINT" : "SIGTERM") + ": saving step " +
               std::to_string(counters_.step) + " before exiting");
      if (last_saved_step_ != counters_.step) save();
      return StopSignals::exit_code();
    }
    if (!out_of_time && cfg_.train.eval_every > 0 && last_eval_step_ != counters_.step)
      evaluate_and_plot(counters_.step, /*plot_after=*/false);
    if (last_saved_step_ != counters_.step) save();
    plot(/*wait=*/true);  // the final plots, drawn before we return
    if (opts_.dist.is_main()) {
      std::string table = run_summary(run_dir_, now_seconds() - start);
      if (!table.empty()) {
        std::fputs(table.c_str(), stdout);  // the payload of `train`: base vs final
        std::fflush(stdout);
      }
      if (cfg_.log.plots) log_info("plots: " + run_dir_ + "/plots/*.png");
    }
  } catch (const InputError& e) {  // found during the run: exit 1, not 2
    throw RunError(e.what());
  }
  return 0;
}

}  // namespace zerorl
