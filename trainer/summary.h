#pragma once
// The table printed at the end of a run: the base model (step 0) against the final one.
#include <string>

namespace zerorl {

// Reads run_dir/eval.jsonl and run_dir/metrics.jsonl. "final" is the mean of the last 3 evaluations (the
// curve is noisy); re-check share and rollout figures come from the first and last 5 steps' metrics.
// Returns "" when there is no evaluation after step 0.
std::string run_summary(const std::string& run_dir, double wall_seconds);

}  // namespace zerorl
