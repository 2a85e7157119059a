#pragma once
// `zerorl bench train`: forward, backward and AdamW step of the policy on bench.train_batch random sequences
// of bench.train_len tokens, random weights of the model.* shape (model.path is never loaded).
#include "core/config.h"

namespace zerorl {

// Prints progress to stderr and, last on stdout, one JSON object: tokens_per_s (best of bench.repeats
// after one warm-up step; tokens = train_batch x train_len), the phase split (forward, backward, optimizer)
// of the best step, model_gflop_per_s and the thread setting. Returns the exit code (0).
int bench_train(const Config& cfg);

}  // namespace zerorl
