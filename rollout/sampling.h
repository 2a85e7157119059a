#pragma once
// Token sampling as small steps on one row of logits: temperature, top-k, top-p, min-p, then
// inverse-CDF sampling with a given uniform (see random.h), or greedy when temperature is 0.
// Plain C++ on float rows: per-row work is independent of the batch, and for small vocabularies
// it costs less than the dozen LibTorch calls a tensor version needs per step.
#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"

namespace zerorl {

struct SamplingParams {
  double temperature = 1.0;     // 0 = greedy (argmax)
  double top_p = 1.0;           // keep the smallest set of most likely tokens with this mass; 1 = off
  int64_t top_k = 0;            // keep the k most likely tokens; 0 = off
  double min_p = 0.0;           // drop tokens below min_p times the top probability; 0 = off
  int64_t max_new_tokens = 48;  // longest completion, in tokens
  std::vector<std::string> stop;        // stop strings, matched on decoded text, not part of the completion
  std::vector<int32_t> stop_token_ids;  // tokens that end a completion (the caller adds EOS)

  static SamplingParams from(const RolloutConfig& cfg);
  // Throws InputError naming the first bad field.
  void validate() const;
  bool greedy() const { return temperature <= 0.0; }
};

struct TokenChoice {
  int32_t token = 0;
  float logprob = 0;  // log p(token) under softmax(logits / temperature), before filtering (T = 1 when greedy)
};

// Reusable per-thread buffers, so sampling allocates nothing per step.
struct SamplerScratch {
  std::vector<float> weights;
  std::vector<int32_t> order;
};

// Samples one token from logits[0..vocab) with uniform u in [0, 1).
// Filters apply in the order top-k, top-p (on the top-k renormalised mass), min-p.
// Throws RunError on non-finite logits.
TokenChoice sample_token(const float* logits, int64_t vocab, const SamplingParams& p, double u,
                         SamplerScratch& scratch);

// Samples rows.size() tokens: out[i] from row rows[i] of logits (a contiguous [R, vocab] float
// buffer), with uniform uniforms[i]. Rows run in parallel when the vocabulary is large.
void sample_tokens(const float* logits, int64_t vocab, const std::vector<int64_t>& rows,
                   const std::vector<double>& uniforms, const SamplingParams& p,
                   std::vector<TokenChoice>& out);

}  // namespace zerorl
