#pragma once
// Pretraining of the tiny base model: next-token prediction on the synthetic corpus (trainer/corpus.h),
// then a quick look at what the base does on the held-out problems.
#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"
#include "model/tokenizer/tokenizer.h"
#include "model/transformer.h"
#include "trainer/tasks.h"

namespace zerorl {

struct PretrainResult {
  int64_t steps = 0;
  int64_t params = 0;
  double final_loss = 0;     // mean of the last min(20, steps) steps
  double wall_s = 0;         // training loop only
  double tokens_per_s = 0;   // real (non-pad) tokens through forward + backward + AdamW, per second
  std::string out;
};

// Trains a model of the model.* shape from scratch (model.path must be empty; model.vocab_size must be
// the tiny tokenizer's 31) for pretrain.steps steps of pretrain.batch_size documents: loss on every
// non-pad token, AdamW betas (0.9, 0.95), linear warm-up then cosine to pretrain.min_lr, gradient
// clipping at 1.0. Writes pretrain.out: model.safetensors + config.json (HF format), the character
// tokenizer, and pretrain.json (the figures below and the resolved config). Deterministic for a given
// run.seed and thread count.
PretrainResult pretrain(const Config& cfg);

// What a model does on addition problems, scored with the main job's strict rule.
struct BaseProbe {
  int64_t problems = 0;
  double strict = 0;       // "<think>...</think><answer>N</answer>" and nothing else, N right
  double tagged_acc = 0;   // N inside the answer tags right, whatever surrounds them
  double format = 0;       // the strict format, whatever N
  double lenient = 0;      // the last integer in the completion right
  double recheck = 0;      // completions with the re-check marker
  double mean_length = 0;  // completion tokens, EOS included
  std::vector<std::string> samples;  // the first few completions, for a look
};

// Samples one completion per problem (temperature 0 = greedy) with a KV cache, at most max_new tokens,
// drawing from `seed`.
BaseProbe probe_base(Transformer& model, const Tokenizer& tok, const std::vector<AdditionProblem>& problems,
                     double temperature, int64_t max_new, uint64_t seed);

// The strict rule on one completion (exposed for tests): true when the completion is exactly
// "<think>X</think><answer>N</answer>" with no tag inside X and N equal to gold.
bool strict_tiny_correct(const std::string& completion, const std::string& gold);

}  // namespace zerorl
