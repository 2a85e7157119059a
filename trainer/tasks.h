#pragma once
// Synthetic tasks with verifiable answers, used as datasets when data.train is empty:
// - addition (the default, the tiny main job): "347+285=", worked column by column from the right,
//   "<think>7+5=12,4+8+1=13,3+2+1=6</think><answer>632</answer>";
// - countdown (TinyZero): reach a target with + - * / using each given number once.
// Held-out problems come from a fixed seed, independent of run.seed, so a base model pretrained with
// one seed never saw the evaluation problems of a run with another seed.
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config.h"

namespace zerorl {

// splitmix64. Its numbers are the same on every platform and standard library (std:: distributions
// are not), so a seed gives the same problems and corpus everywhere.
class TaskRng {
 public:
  explicit TaskRng(uint64_t seed) : state_(seed) {}
  uint64_t next();
  int64_t uniform_int(int64_t lo, int64_t hi);  // inclusive, unbiased
  double uniform();                             // [0, 1)
  bool chance(double p) { return uniform() < p; }

 private:
  uint64_t state_;
};

// A seed for stream `stream` of `seed` (hash of both, so nearby seeds give unrelated streams).
uint64_t mix_seed(uint64_t seed, uint64_t stream);

// The word that marks a re-checked step: "4+8+1=14 wait 4+8+1=13". Its meaning: the writer
// doubts the value just written, redoes the column and keeps the new value.
inline constexpr const char* kRecheckWord = "wait";

// Fixed seed of the held-out problems (never run.seed: see the header comment).
inline constexpr uint64_t kHoldoutSeed = 20261130;
// Problems held out from training and the corpus even when task.eval_size is smaller, so that a
// later run with a larger eval_size (up to this) still evaluates on unseen problems.
inline constexpr int64_t kMinHoldout = 1000;

// ---------------------------------------------------------------- addition
struct AdditionProblem {
  int64_t a = 0, b = 0;
  bool operator==(const AdditionProblem& o) const { return a == o.a && b == o.b; }
};

// One column of the work, right to left: "4+8+1=13" (carry shown only when 1).
struct ColumnStep {
  int da = 0, db = 0, carry_in = 0;
  int written = 0;          // the sum first written; a slip makes it differ from da+db+carry_in
  bool rechecked = false;   // followed by " wait " and the column redone
  int value() const { return rechecked ? da + db + carry_in : written; }
};

struct AdditionWork {
  std::vector<ColumnStep> columns;  // rightmost first
  std::string answer;               // what the work gives (wrong after an uncorrected slip)
};

std::string addition_question(const AdditionProblem& p);  // "347+285="
std::string addition_answer(const AdditionProblem& p);    // "632"

// The column work for `digits`-digit operands. slip_column >= 0 adds slip_delta to that column's
// written sum (the caller keeps it in 0..19), carried on consistently; recheck_column >= 0 redoes
// that column after the marker (correcting it when it is the slipped one).
// forget_carry: every column is summed without its carry ("4+8=12") and only the top column's carry
// reaches the answer, as a hasty writer does (slip_delta then applies to da+db).
AdditionWork work_addition(const AdditionProblem& p, int digits, int slip_column = -1, int slip_delta = 0,
                           int recheck_column = -1, bool forget_carry = false);

// "7+5=12,4+8+1=13,3+2+1=6", with " wait 4+8+1=13" after a re-checked column.
std::string scratchpad_text(const AdditionWork& w);

// A uniformly drawn problem with two `digits`-digit operands.
AdditionProblem sample_addition(TaskRng& rng, int digits);

// Set of problems, keyed for exclusion.
class ProblemSet {
 public:
  void insert(const std::string& key) { keys_.insert(key); }
  bool contains(const std::string& key) const { return keys_.count(key) > 0; }
  size_t size() const { return keys_.size(); }

 private:
  std::unordered_set<std::string> keys_;
};
std::string problem_key(const AdditionProblem& p);

// The held-out addition problems, in order: the first task.eval_size are the eval split; all of them
// (at least kMinHoldout, fewer only when the problem space is small) are excluded from training
// and from the corpus. Throws ConfigError when eval_size leaves no training problems.
std::vector<AdditionProblem> addition_holdout(const TaskConfig& task);

// ---------------------------------------------------------------- countdown
struct CountdownProblem {
  std::vector<int64_t> numbers;
  int64_t target = 0;
  std::string solution;  // one expression that reaches the target, e.g. "(44+19)+35"
};

// Numbers in 1..99; the target is the value of a random expression over all of them that stays a
// positive integer at every step and ends in 1..max_target.
CountdownProblem sample_countdown(TaskRng& rng, int count, int64_t max_target);
std::string countdown_question(const CountdownProblem& p);  // TinyZero's wording, tags left to the template
std::string problem_key(const CountdownProblem& p);

// ---------------------------------------------------------------- rows
// The synthetic task's rows (cfg.task.name; "" = addition), each with the question under
// data.prompt_field and the gold answer under data.answer_field (plus "a"/"b", or "numbers"/"target").
// Train rows: task.train_size problems drawn from run.seed, none of them held out.
struct TaskRows {
  std::vector<nlohmann::json> train, eval;
};
TaskRows make_task_rows(const Config& cfg);

}  // namespace zerorl
