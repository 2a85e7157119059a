#pragma once
// What a caller asks the rollout engine for, and what it gets back.
#include <cstdint>
#include <string>
#include <vector>

namespace zerorl {

struct GenerationRequest {
  std::vector<int32_t> prompt_ids;  // the templated prompt, tokenized; not empty
  int64_t num_samples = 1;          // completions drawn for this prompt (G)
  uint64_t seed = 0;                // keyed by the caller, e.g. by (run seed, step, global prompt index)
};

struct Sample {
  std::vector<int32_t> tokens;  // generated ids, including the EOS / the token that completed a stop string
  std::vector<float> logprobs;  // log p(token) under softmax(logits / temperature), before filtering
                                // (temperature 0 -> 1); one per token
  std::string text;             // decoded completion, without the EOS text and without the stop string
  std::string finish_reason;    // "eos" (a stop token id) | "stop" (a stop string) | "length"
};

}  // namespace zerorl
