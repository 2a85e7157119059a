#pragma once
// The batched generation engine: G samples per prompt with a KV cache.
//
// Each prompt is prefilled once and its cache rows are copied into the slots of its G samples.
// All active sequences decode as one batch on cache rows 0..B-1; a finished sequence leaves the
// batch at once (the last active row moves into its slot), and waiting sequences fill freed slots
// (their prompts prefilled on the fly). The number of slots is the smaller of rollout.max_batch_seqs
// and what fits rollout.kv_cache_mb. Sampling is keyed by (request seed, sample, position), so the
// tokens do not depend on the batch size, the slot order or the number of ranks.
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"
#include "model/transformer.h"
#include "rollout/generation.h"
#include "rollout/sampling.h"

namespace zerorl {

class Tokenizer;
class SequenceBook;

class Engine {
 public:
  // tok must outlive the engine; it decodes completions and stop strings.
  Engine(Transformer model, const Tokenizer& tok, const RolloutConfig& cfg);

  // [request][sample]. Throws InputError for a bad request or a KV budget that cannot hold one sequence.
  std::vector<std::vector<Sample>> generate(const std::vector<GenerationRequest>& reqs, const SamplingParams& p);

  struct Stats {
    int64_t generated_tokens = 0;
    double seconds = 0;
    int64_t prefill_tokens = 0;  // prompt tokens run through the model (a prompt once per admission)
    double prefill_seconds = 0;
    int64_t slots = 0;           // cache rows used (concurrent sequences at most)
    int64_t decode_steps = 0;
    double model_flops = 0;      // as computed (rollout/flops.h), prefill included
  };
  const Stats& last_stats() const { return stats_; }

  // Frees the KV cache (it is otherwise kept for the next call).
  void release_cache() { cache_ = KVCache{}; }

 private:
  int64_t plan_slots(int64_t sequences, int64_t max_len) const;
  void admit(SequenceBook& book, const SamplingParams& p, int64_t& next, int64_t& active);
  void decode_step(SequenceBook& book, const SamplingParams& p, int64_t active);
  int64_t compact(int64_t active);
  void copy_rows(const std::vector<int64_t>& src, const std::vector<int64_t>& dst);

  Transformer model_;
  const Tokenizer* tok_;
  RolloutConfig cfg_;
  torch::Dtype dtype_;
  torch::Device device_;
  KVCache cache_;
  std::vector<std::string> token_bytes_;  // built on first use of stop strings
  std::vector<int64_t> row_seq_;          // sequence index of each active cache row
  std::vector<int64_t> cached_;           // tokens in the cache per row
  std::vector<char> row_done_;            // row finished during the current step
  std::vector<TokenChoice> choices_;
  std::vector<double> uniforms_;
  std::vector<int64_t> logit_rows_;
  Stats stats_;
};

}  // namespace zerorl
