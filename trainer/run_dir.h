#pragma once
// The run directory: where a run writes (config.yaml, provenance.json, metrics.jsonl, completions.jsonl,
// eval.jsonl, plots/, checkpoints/), and which checkpoint, if any, it continues from (--resume).
#include <string>
#include <vector>

#include "core/config.h"

namespace zerorl {

struct RunPlan {
  std::string run_dir;
  std::string resume_from;  // a checkpoint directory; "" = start from step 0
};

// resume: "never" (default): a fresh run in run.dir (or runs/<name>/<date-time>); an explicit run.dir that
// already holds checkpoints is an error with a hint. "auto": the newest valid checkpoint of run.dir (or of
// the newest runs/<name>/* that has one), else a fresh start. Anything else: a checkpoint directory, or a
// run directory whose newest valid checkpoint is used. Throws InputError.
RunPlan plan_run(const Config& cfg, const std::string& resume);

// Creates the run directory (and checkpoints/, plots/) and proves it writable, before any training:
// a file where a directory should be, or an unwritable place, is an InputError naming the path.
// Returns true when it created the run directory itself (so a setup that fails can remove it again).
bool prepare_run_dir(const std::string& dir);

// provenance.json: the command line, working directory, git commit, library versions, thread settings.
void write_provenance(const std::string& dir, const std::vector<std::string>& command_line,
                      const std::string& threads);

// Keeps only the rows of a JSONL log whose "step" is at most max_step (and drops a torn last line):
// a resumed run rewrites the steps after its checkpoint.
void truncate_jsonl_after(const std::string& path, int64_t max_step);

}  // namespace zerorl
