#pragma once
// The GRPO trainer: orchestrates a step as one call per phase (generate, reward, advantages, logprobs,
// update), each timed by name, and the run around it (metrics, completions, evaluation, plots,
// checkpoints, resume, signals, max_time). Everything clever lives in the functions it calls.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/config.h"
#include "core/jsonl.h"
#include "model/tokenizer/tokenizer.h"
#include "model/transformer.h"
#include "rewards/reward_set.h"
#include "rollout/engine.h"
#include "trainer/checkpoint.h"
#include "trainer/dataset.h"
#include "trainer/dist.h"
#include "trainer/evaluation.h"
#include "trainer/optimizer.h"
#include "trainer/phase_timers.h"
#include "trainer/rollouts.h"
#include "trainer/step_metrics.h"
#include "trainer/update.h"

namespace zerorl {

struct TrainOptions {
  std::string resume;                     // auto | never | DIR; empty = run.resume
  std::vector<std::string> command_line;  // for provenance.json
  Dist dist;                              // rank and all-reduce hooks (world size 1 by default)
};

class Trainer {
 public:
  // Everything before the first step: run directory, data, tokenizer, model, rewards, resume.
  // Problems throw InputError (exit 2).
  Trainer(const Config& cfg, TrainOptions opts);
  ~Trainer();

  // Trains to train.steps (or a signal, or train.max_time). Returns 0, 130 (SIGINT) or 143 (SIGTERM),
  // after a checkpoint. Failures during the run throw RunError (exit 1).
  int run();

  // One GRPO step; returns its metrics row (also written to metrics.jsonl by run()).
  nlohmann::json step();

  int64_t completed_steps() const { return counters_.step; }
  const std::string& run_dir() const { return run_dir_; }
  const std::string& resumed_from() const { return resumed_from_; }
  Transformer& policy() { return policy_; }
  const AdamW& optimizer() const { return *optimizer_; }
  std::string save();  // a checkpoint of the current step

  // Test hook: sees (step, micro-batch loss) before backward and may replace the loss (e.g. with NaN).
  std::function<void(int64_t, torch::Tensor&)> loss_hook;

 private:
  struct Drawn;  // everything generated this step (for metrics) and the groups kept for the update
  void setup(const std::string& resume);
  void build_model();
  void restore(const std::string& checkpoint);
  Drawn generate_and_score(int64_t step);
  Advantages advantages_of(const Rollouts& batch);
  TrainBatch logprob_batch(const Rollouts& batch, const Advantages& adv);
  UpdateResult update_policy(TrainBatch& batch, int64_t step);
  torch::Tensor forward(Transformer& model, const torch::Tensor& ids, const torch::Tensor& mask);
  void evaluate_and_plot(int64_t step, bool plot_after = true);
  void plot(bool wait);
  void write_step_logs(const nlohmann::json& row, const std::vector<nlohmann::json>& completions);

  Config cfg_;
  TrainOptions opts_;
  std::string run_dir_, resumed_from_;
  DataSplits data_;
  Tokenizer tok_;
  Transformer policy_{nullptr};
  std::optional<Transformer> reference_;
  std::unique_ptr<AdamW> optimizer_;
  std::unique_ptr<RewardSet> rewards_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<PromptSampler> sampler_;
  std::unique_ptr<Evaluator> evaluator_;
  std::vector<std::vector<int32_t>> train_prompt_ids_;  // encoded once
  SamplingParams sampling_;
  PhaseTimers timers_;
  TrainerCounters counters_;
  JsonlWriter metrics_, completions_, eval_log_;
  int64_t last_saved_step_ = -1, last_eval_step_ = -1;
  double last_step_seconds_ = 0;
  bool recheck_metric_ = false;
  bool created_run_dir_ = false;
};

// The tokenizer of a run: tokenizer.path, else model.path, else the tiny task's character tokenizer.
Tokenizer load_run_tokenizer(const Config& cfg);

// The policy of a run: model.path (HF folder) or a random init of the model.* shape from run.seed,
// on model.device in model.dtype.
Transformer load_run_model(const Config& cfg);

}  // namespace zerorl
