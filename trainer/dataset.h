#pragma once
// Training and evaluation prompts: JSONL files with any columns, or a synthetic task (trainer/tasks.h),
// and the epoch-shuffled order in which the trainer draws them.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config.h"

namespace zerorl {

struct Example {
  std::string prompt;    // templated text fed to the model
  std::string question;  // the raw question (data.prompt_field)
  nlohmann::json row;    // the whole row, every column; the gold answer under data.answer_field
};

struct DataSplits {
  std::vector<Example> train, eval;
  long skipped_rows = 0;  // bad rows skipped with data.skip_bad_rows (train and eval together)
};

// data.train / data.eval (JSONL) when set, else the synthetic task.* generator (addition by default).
// The question is row[data.prompt_field] (a non-empty string), the gold answer row[data.answer_field]
// (a string or a number); the prompt is the question in data.template. A bad row throws InputError
// "FILE:LINE: reason", or with data.skip_bad_rows is skipped and counted. An empty file, or one
// whose every row is bad, is an error either way. data.eval_size > 0 keeps the first N eval rows.
DataSplits load_data(const Config& cfg);

// Turns one row into an Example (throws InputError "reason" without a place: callers add it).
Example make_example(const nlohmann::json& row, const DataConfig& data);

// The order in which training prompts are drawn: a fresh permutation of 0..n-1 per epoch, keyed by
// (seed, epoch) only, so every rank draws the same order and a restored sampler continues exactly.
class PromptSampler {
 public:
  PromptSampler(size_t n, uint64_t seed);  // n > 0
  // The next `count` indices; an epoch boundary inside the call continues into the next permutation.
  std::vector<size_t> next(size_t count);
  nlohmann::json state() const;             // {"size", "seed", "epoch", "position"}
  void restore(const nlohmann::json& state);  // InputError if the state is malformed or for another dataset
  uint64_t epoch() const { return epoch_; }

 private:
  void shuffle();
  size_t n_;
  uint64_t seed_;
  uint64_t epoch_ = 0;
  size_t position_ = 0;
  std::vector<size_t> order_;
};

// True when the completion re-checks a step (the marker of trainer/tasks.h, "... wait ..."), for
// completions/recheck_ratio.
bool is_recheck(const std::string& completion);

}  // namespace zerorl
