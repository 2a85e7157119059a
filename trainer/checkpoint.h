#pragma once
// Checkpoints: run_dir/checkpoints/step-NNNNNN/ with the policy in Hugging Face format (model.safetensors,
// config.json, generation_config.json), the tokenizer files, optimizer.safetensors, reference.safetensors
// (only when beta > 0), data_state.json (the prompt sampler's cursor), rng_state.json and trainer_state.json,
// which is written last and lists the SHA-256 and size of every other file (and its own checksum).
// A checkpoint is written into checkpoints/.tmp-step-NNNNNN and renamed when complete.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/tokenizer/tokenizer.h"
#include "model/transformer.h"
#include "trainer/optimizer.h"

namespace zerorl {

// The counters that continue across a resume.
struct TrainerCounters {
  int64_t step = 0;                 // completed steps (updates applied or skipped)
  int64_t skipped_steps = 0;        // steps whose update was skipped (non-finite loss or gradient)
  int64_t consecutive_skipped = 0;  // skipped steps in a row, up to `step`
};

struct CheckpointContents {
  Transformer policy;
  std::optional<Transformer> reference;  // beta > 0 only
  const Tokenizer* tokenizer = nullptr;
  const AdamW* optimizer = nullptr;
  TrainerCounters counters;
  nlohmann::json data_state;             // PromptSampler::state()
  int64_t seed = 0;
};

std::string checkpoint_name(int64_t step);  // "step-000003"

// Writes checkpoints_dir/step-NNNNNN (replacing one of that name) and returns its path. On failure the
// temporary directory is removed, earlier checkpoints are untouched, and RunError is thrown.
std::string save_checkpoint(const std::string& checkpoints_dir, const CheckpointContents& c);

// Deletes all but the newest keep_last step-* directories (renamed away first, so that a kill mid-delete
// never leaves a half-deleted checkpoint under its name) and stale .tmp-* directories.
void prune_checkpoints(const std::string& checkpoints_dir, int64_t keep_last);
// Removes leftovers of interrupted writes (.tmp-*), e.g. at start-up.
void remove_stale_temporaries(const std::string& checkpoints_dir);

// step-* directories, newest (highest step) first.
std::vector<std::string> list_checkpoints(const std::string& checkpoints_dir);

// Empty when the checkpoint is complete and every checksum matches; otherwise one line naming the file:
// "step-000006/model.safetensors: checksum mismatch (corrupt)".
std::string checkpoint_problem(const std::string& checkpoint_dir);

// The newest valid checkpoint in checkpoints_dir, warning once for each newer invalid one; "" when there
// is none at all. Throws InputError (one line naming the file) when checkpoints exist but none is valid.
std::string newest_valid_checkpoint(const std::string& checkpoints_dir);

// Restores what save_checkpoint wrote (after checkpoint_problem found nothing). Throws InputError
// naming the file for anything that does not fit the current model and optimizer.
struct RestoredState {
  TrainerCounters counters;
  nlohmann::json data_state;
  int64_t seed = 0;
};
RestoredState load_checkpoint(const std::string& checkpoint_dir, Transformer& policy,
                              std::optional<Transformer>& reference, AdamW& optimizer);

}  // namespace zerorl
