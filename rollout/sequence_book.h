#pragma once
// Per-sequence bookkeeping shared by the cached engine and the uncached reference path:
// validation of requests, the random stream of each sample, appending sampled tokens,
// finish rules (stop ids, stop strings, length) and the final Sample objects.
// Plain C++ arrays only: nothing here calls LibTorch.
#include <cstdint>
#include <string>
#include <vector>

#include "rollout/generation.h"
#include "rollout/sampling.h"
#include "rollout/stop_strings.h"

namespace zerorl {

class Tokenizer;

struct Sequence {
  int32_t request = 0;      // index into the requests
  int32_t sample = 0;       // index within its request
  int64_t max_new = 0;      // max_new_tokens, cut so prompt + completion fits the model's positions
  std::vector<int32_t> tokens;
  std::vector<float> logprobs;
  std::string bytes;        // decoded completion so far (kept only when stop strings are used)
  size_t stop_at = std::string::npos;  // where the stop string starts in bytes
  const char* finish = nullptr;        // "eos" | "stop" | "length" once finished
};

class SequenceBook {
 public:
  // Sequences in (request, sample) order. token_bytes (one entry per token id, may be null when
  // p.stop is empty) gives the bytes used to match stop strings. Throws InputError on a bad request.
  SequenceBook(const std::vector<GenerationRequest>& reqs, const SamplingParams& p, int64_t vocab,
               int64_t max_positions, const std::vector<std::string>* token_bytes);

  int64_t size() const { return static_cast<int64_t>(seqs_.size()); }
  Sequence& operator[](int64_t i) { return seqs_[i]; }
  const Sequence& operator[](int64_t i) const { return seqs_[i]; }
  const std::vector<int32_t>& prompt(int64_t i) const { return (*reqs_)[seqs_[i].request].prompt_ids; }
  // Longest prompt + completion over all sequences, in tokens.
  int64_t max_total_len() const { return max_total_len_; }

  // The uniform for sequence i's next token: keyed by (request seed, sample index, position).
  double next_uniform(int64_t i) const;
  // Records a sampled token; returns true when the sequence has finished.
  bool append(int64_t i, const TokenChoice& c);

  // [request][sample]; text decoded with tok (may be null: text is then the raw bytes, if kept).
  std::vector<std::vector<Sample>> results(const Tokenizer* tok) const;
  int64_t generated_tokens() const;

 private:
  const std::vector<GenerationRequest>* reqs_;
  const SamplingParams* params_;
  std::vector<Sequence> seqs_;
  std::vector<char> is_stop_id_;
  StopStrings stops_;
  const std::vector<std::string>* token_bytes_;
  int64_t max_total_len_ = 0;
};

// The bytes of every token id below vocab (empty for ids the tokenizer does not know).
std::vector<std::string> token_byte_table(const Tokenizer& tok, int64_t vocab);

}  // namespace zerorl
