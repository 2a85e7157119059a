#pragma once
// `zerorl bench rollout`: rollout throughput on random weights of the model.* shape (model.path is
// never loaded). Forced generation of bench.new_tokens tokens after bench.prompt_tokens random prompt
// tokens for bench.batch sequences (no EOS stop), best of bench.repeats. Progress goes to stderr.
#include <nlohmann/json.hpp>

#include "core/config.h"

namespace zerorl {

// Returns {"tokens_per_s", "no_cache_tokens_per_s", "prefill_tokens_per_s", "model_gflop_per_s",
// "matmul_gflop_per_s", ...}: model_gflop_per_s counts the cached run's FLOPs (rollout/flops.h) over
// its wall time; matmul_gflop_per_s is a square fp32 matrix product timed in the same process.
nlohmann::json bench_rollout(const Config& cfg);

}  // namespace zerorl
