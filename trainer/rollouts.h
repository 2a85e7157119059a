#pragma once
// The completions of one step, grouped by prompt, with their scores: what generation and the rewards
// produce and what the advantages, the loss and the metrics read.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "model/tokenizer/tokenizer.h"
#include "rewards/reward_set.h"
#include "rollout/engine.h"
#include "trainer/dataset.h"

namespace zerorl {

struct Rollouts {
  int64_t group_size = 1;
  std::vector<size_t> examples;                  // [P] training-set index of each group's prompt
  std::vector<std::vector<int32_t>> prompt_ids;  // [P]
  std::vector<Sample> samples;                   // [P*G], a group's samples contiguous
  std::vector<Score> totals;                     // [P*G] weighted sum; null when no reward scored it
  std::vector<std::pair<std::string, std::vector<Score>>> per_fn;  // [fn] -> [P*G]

  int64_t groups() const { return int64_t(examples.size()); }
  int64_t size() const { return int64_t(samples.size()); }
  // Totals with "no score" as 0 (it still counts toward the group mean, like TRL's nansum of rewards).
  std::vector<double> rewards() const;
  // Appends the listed groups of `other` (its per-function columns must match).
  void append_groups(const Rollouts& other, const std::vector<int64_t>& groups);
};

// The sampling seed of one prompt slot of one step: keyed by (run seed, step, global slot), never by rank,
// so 1 rank and N ranks, or an interrupted and a resumed run, draw the same completions.
uint64_t slot_seed(int64_t run_seed, int64_t step, int64_t slot);

// G completions for each of `examples` (prompt ids already encoded), seeds from slot_seed(first_slot + i).
Rollouts generate_rollouts(Engine& engine, const SamplingParams& params, const std::vector<size_t>& examples,
                           const std::vector<std::vector<int32_t>>& prompt_ids,
                           int64_t group_size, int64_t run_seed, int64_t step, int64_t first_slot);

// Fills totals and per_fn with the rewards of every sample.
void score_rollouts(Rollouts& r, RewardSet& rewards, const std::vector<Example>& data);

}  // namespace zerorl
