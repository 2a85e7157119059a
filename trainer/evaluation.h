#pragma once
// Evaluation on the held-out split: pass@1 (mean correctness over eval.samples samples per problem at
// eval.temperature), unbiased pass@k, maj@k, greedy accuracy, format rate, mean length, and a lenient
// accuracy (the final answer anywhere, no tags needed). A sample is correct when the run's accuracy reward
// (countdown's for the countdown task) gives it 1.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "model/tokenizer/tokenizer.h"
#include "rewards/reward_set.h"
#include "rollout/engine.h"
#include "trainer/dataset.h"

namespace zerorl {

// Unbiased pass@k of Chen et al. (2021): 1 - C(n - c, k) / C(n, k) for c correct of n samples.
double pass_at_k(int64_t n, int64_t c, int64_t k);

// Majority vote over answers (nullopt = no answer, no vote); ties go to the answer seen first.
// Returns the index of a sample carrying the winning answer, or -1 when nobody answered.
int64_t majority_index(const std::vector<std::optional<std::string>>& answers);

class Evaluator {
 public:
  // problems: the eval split. Builds its own correctness and format rewards from the run's config.
  Evaluator(const Config& cfg, const Tokenizer& tok, std::vector<Example> problems);
  ~Evaluator();

  // One eval.jsonl row: {"step", "eval/pass@1", "eval/pass@<k>", "eval/maj@<k>", "eval/greedy",
  // "eval/format", "eval/lenient", "eval/mean_length", "eval/problems", "eval/seconds"}.
  nlohmann::json evaluate(Engine& engine, int64_t step);

  size_t size() const { return problems_.size(); }

 private:
  std::vector<std::vector<bool>> judge(const std::vector<std::vector<Sample>>& samples, RewardSet& rewards);

  Config cfg_;
  const Tokenizer* tok_;
  std::vector<Example> problems_;
  std::vector<std::vector<int32_t>> prompt_ids_;
  std::unique_ptr<RewardSet> correct_, format_;
  std::string correct_name_;
};

}  // namespace zerorl
