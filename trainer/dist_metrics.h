#pragma once
// Metrics of one step over every rank, for logging by rank 0.
#include <nlohmann/json.hpp>

#include "trainer/dist.h"

namespace zerorl {

// Combines this step's metrics row over ranks (a collective: every rank calls it). Rollout means are
// weighted by each rank's number of completions (`weight`); loss and tokens_per_s add up; timings take
// the slowest rank; step counters are the same everywhere. std, min and max fields stay rank 0's.
void reduce_step_metrics(nlohmann::json& row, const Dist& dist, double weight);

}  // namespace zerorl
