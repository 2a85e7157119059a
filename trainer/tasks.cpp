#include "trainer/tasks.h"

#include <algorithm>
#include <limits>

#include "core/error.h"

namespace zerorl {

uint64_t TaskRng::next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

int64_t TaskRng::uniform_int(int64_t lo, int64_t hi) {
  if (hi <= lo) return lo;
  const uint64_t range = uint64_t(hi - lo) + 1;
  if (range == 0) return int64_t(next());  // the whole 64-bit range
  // Rejection keeps every value equally likely (a plain modulo favours small values).
  const uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % range;
  uint64_t x;
  do x = next();
  while (x >= limit);
  return lo + int64_t(x % range);
}

double TaskRng::uniform() { return double(next() >> 11) * 0x1.0p-53; }

uint64_t mix_seed(uint64_t seed, uint64_t stream) {
  TaskRng r(seed ^ (stream * 0xD1B54A32D192ED03ULL + 0x8CB92BA72F3D8DD7ULL));
  r.next();
  return r.next();
}

// ---------------------------------------------------------------- addition
std::string addition_question(const AdditionProblem& p) {
  return std::to_string(p.a) + "+" + std::to_string(p.b) + "=";
}

std::string addition_answer(const AdditionProblem& p) { return std::to_string(p.a + p.b); }

static int digit_at(int64_t x, int i) {
  for (int k = 0; k < i; ++k) x /= 10;
  return int(x % 10);
}

AdditionWork work_addition(const AdditionProblem& p, int digits, int slip_column, int slip_delta,
                           int recheck_column, bool forget_carry) {
  AdditionWork w;
  std::string reversed;
  int carry = 0;
  for (int i = 0; i < digits; ++i) {
    ColumnStep c;
    c.da = digit_at(p.a, i);
    c.db = digit_at(p.b, i);
    c.carry_in = forget_carry ? 0 : carry;
    c.written = c.da + c.db + c.carry_in + (i == slip_column ? slip_delta : 0);
    c.rechecked = i == recheck_column;
    const int v = c.value();
    reversed += char('0' + v % 10);
    carry = v / 10;
    w.columns.push_back(c);
  }
  if (carry) reversed += char('0' + carry);
  w.answer.assign(reversed.rbegin(), reversed.rend());
  // A slip in the top column can leave leading zeros (callers avoid it); print the number as a number.
  const size_t nz = w.answer.find_first_not_of('0');
  w.answer = nz == std::string::npos ? "0" : w.answer.substr(nz);
  return w;
}

static std::string column_text(const ColumnStep& c, int sum) {
  std::string s = std::to_string(c.da) + "+" + std::to_string(c.db);
  if (c.carry_in) s += "+" + std::to_string(c.carry_in);
  return s + "=" + std::to_string(sum);
}

std::string scratchpad_text(const AdditionWork& w) {
  std::string out;
  for (size_t i = 0; i < w.columns.size(); ++i) {
    const ColumnStep& c = w.columns[i];
    if (i) out += ",";
    out += column_text(c, c.written);
    if (c.rechecked) out += std::string(" ") + kRecheckWord + " " + column_text(c, c.value());
  }
  return out;
}

static int64_t pow10(int d) {
  int64_t x = 1;
  for (int i = 0; i < d; ++i) x *= 10;
  return x;
}

AdditionProblem sample_addition(TaskRng& rng, int digits) {
  const int64_t lo = pow10(digits - 1), hi = pow10(digits) - 1;
  AdditionProblem p;
  p.a = rng.uniform_int(lo, hi);
  p.b = rng.uniform_int(lo, hi);
  return p;
}

std::string problem_key(const AdditionProblem& p) { return std::to_string(p.a) + "+" + std::to_string(p.b); }

// Number of distinct problems (operand pairs); saturates, so large digit counts are "plenty".
static int64_t addition_space(int digits) {
  if (digits > 6) return std::numeric_limits<int64_t>::max();
  const int64_t n = 9 * pow10(digits - 1);
  return n * n;
}

static int64_t holdout_size(const TaskConfig& task) {
  const int64_t space = addition_space(task.digits);
  if (task.eval_size >= space)
    throw ConfigError({"task.eval_size: " + std::to_string(task.eval_size) + " leaves no training problems (" +
                       std::to_string(task.digits) + "-digit addition has " + std::to_string(space) + ")"});
  return std::max(task.eval_size, std::min<int64_t>(kMinHoldout, space / 4));
}

std::vector<AdditionProblem> addition_holdout(const TaskConfig& task) {
  const int64_t n = holdout_size(task);
  TaskRng rng(mix_seed(kHoldoutSeed, uint64_t(task.digits)));
  ProblemSet seen;
  std::vector<AdditionProblem> out;
  out.reserve(size_t(n));
  while (int64_t(out.size()) < n) {
    AdditionProblem p = sample_addition(rng, task.digits);
    const std::string k = problem_key(p);
    if (seen.contains(k)) continue;
    seen.insert(k);
    out.push_back(p);
  }
  return out;
}

// ---------------------------------------------------------------- countdown
namespace {
struct Term {
  int64_t value;
  std::string text;
  bool atom;
};
}  // namespace

CountdownProblem sample_countdown(TaskRng& rng, int count, int64_t max_target) {
  for (int attempt = 0; attempt < 100000; ++attempt) {
    CountdownProblem p;
    std::vector<Term> terms;
    for (int i = 0; i < count; ++i) {
      p.numbers.push_back(rng.uniform_int(1, 99));
      terms.push_back({p.numbers.back(), std::to_string(p.numbers.back()), true});
    }
    bool ok = true;
    while (terms.size() > 1 && ok) {
      const size_t i = size_t(rng.uniform_int(0, int64_t(terms.size()) - 1));
      size_t j = size_t(rng.uniform_int(0, int64_t(terms.size()) - 2));
      if (j >= i) ++j;
      Term x = terms[i], y = terms[j];
      const char op = "+-*/"[rng.uniform_int(0, 3)];
      int64_t v = 0;
      if (op == '-' && x.value < y.value) std::swap(x, y);  // keep every step positive
      switch (op) {
        case '+': v = x.value + y.value; break;
        case '-': v = x.value - y.value; break;
        case '*': v = x.value * y.value; break;
        default:
          if (y.value == 0 || x.value % y.value != 0) ok = false;
          else v = x.value / y.value;
      }
      if (!ok || v <= 0 || v > 1000000) {
        ok = false;
        break;
      }
      auto wrap = [](const Term& t) { return t.atom ? t.text : "(" + t.text + ")"; };
      Term z{v, wrap(x) + op + wrap(y), false};
      terms.erase(terms.begin() + std::max(i, j));
      terms.erase(terms.begin() + std::min(i, j));
      terms.push_back(z);
    }
    if (!ok || terms[0].value < 1 || terms[0].value > max_target) continue;
    p.target = terms[0].value;
    p.solution = terms[0].text;
    return p;
  }
  throw ConfigError({"task: could not generate a countdown problem with " + std::to_string(count) +
                     " numbers and a target of at most " + std::to_string(max_target)});
}

std::string countdown_question(const CountdownProblem& p) {
  std::string nums;
  for (size_t i = 0; i < p.numbers.size(); ++i) nums += (i ? ", " : "") + std::to_string(p.numbers[i]);
  return "Using the numbers [" + nums + "], create an equation that equals " + std::to_string(p.target) +
         ". You can use basic arithmetic operations (+, -, *, /) and each number can only be used once.";
}

std::string problem_key(const CountdownProblem& p) {
  std::vector<int64_t> n = p.numbers;
  std::sort(n.begin(), n.end());
  std::string k;
  for (int64_t x : n) k += std::to_string(x) + ",";
  return k + "=" + std::to_string(p.target);
}

// ---------------------------------------------------------------- rows
static nlohmann::json addition_row(const AdditionProblem& p, const DataConfig& data) {
  nlohmann::json row = nlohmann::json::object();
  row[data.prompt_field] = addition_question(p);
  row[data.answer_field] = addition_answer(p);
  row["a"] = p.a;
  row["b"] = p.b;
  return row;
}

static nlohmann::json countdown_row(const CountdownProblem& p, const DataConfig& data) {
  nlohmann::json row = nlohmann::json::object();
  row[data.prompt_field] = countdown_question(p);
  row[data.answer_field] = p.solution;
  row["numbers"] = p.numbers;
  row["target"] = p.target;
  return row;
}

static TaskRows addition_rows(const Config& cfg) {
  const TaskConfig& task = cfg.task;
  TaskRows rows;
  const std::vector<AdditionProblem> held = addition_holdout(task);
  ProblemSet excluded;
  for (size_t i = 0; i < held.size(); ++i) {
    excluded.insert(problem_key(held[i]));
    if (int64_t(i) < task.eval_size) rows.eval.push_back(addition_row(held[i], cfg.data));
  }
  const int64_t available = addition_space(task.digits) - int64_t(held.size());
  TaskRng rng(mix_seed(uint64_t(cfg.run.seed), 1));
  if (task.train_size * 2 <= available) {
    // Distinct problems by rejection: cheap when at most half the space is wanted.
    ProblemSet seen;
    while (int64_t(rows.train.size()) < task.train_size) {
      AdditionProblem p = sample_addition(rng, task.digits);
      const std::string k = problem_key(p);
      if (excluded.contains(k) || seen.contains(k)) continue;
      seen.insert(k);
      rows.train.push_back(addition_row(p, cfg.data));
    }
    return rows;
  }
  // Small spaces: every problem that is not held out, shuffled, cut to train_size.
  std::vector<AdditionProblem> all;
  const int64_t lo = pow10(task.digits - 1), hi = pow10(task.digits) - 1;
  for (int64_t a = lo; a <= hi; ++a)
    for (int64_t b = lo; b <= hi; ++b)
      if (!excluded.contains(problem_key({a, b}))) all.push_back({a, b});
  for (size_t i = all.size(); i > 1; --i) std::swap(all[i - 1], all[size_t(rng.uniform_int(0, int64_t(i) - 1))]);
  if (int64_t(all.size()) > task.train_size) all.resize(size_t(task.train_size));
  for (const AdditionProblem& p : all) rows.train.push_back(addition_row(p, cfg.data));
  return rows;
}

static TaskRows countdown_rows(const Config& cfg) {
  const TaskConfig& task = cfg.task;
  TaskRows rows;
  TaskRng held_rng(mix_seed(kHoldoutSeed, 1000 + uint64_t(task.countdown_numbers)));
  ProblemSet excluded;
  const int64_t n_held = std::max(task.eval_size, kMinHoldout);
  for (int64_t i = 0; i < n_held; ++i) {
    CountdownProblem p = sample_countdown(held_rng, task.countdown_numbers, task.countdown_max_target);
    excluded.insert(problem_key(p));
    if (i < task.eval_size) rows.eval.push_back(countdown_row(p, cfg.data));
  }
  TaskRng rng(mix_seed(uint64_t(cfg.run.seed), 2));
  // Bounded: a tiny problem space (few numbers, small targets) could otherwise loop for ever.
  for (int64_t tries = 0; int64_t(rows.train.size()) < task.train_size && tries < task.train_size * 100; ++tries) {
    CountdownProblem p = sample_countdown(rng, task.countdown_numbers, task.countdown_max_target);
    if (!excluded.contains(problem_key(p))) rows.train.push_back(countdown_row(p, cfg.data));
  }
  if (rows.train.empty())
    throw ConfigError({"task: no countdown training problems outside the held-out set; raise task.countdown_max_target"});
  return rows;
}

TaskRows make_task_rows(const Config& cfg) {
  if (cfg.task.name.empty() || cfg.task.name == "addition") return addition_rows(cfg);
  if (cfg.task.name == "countdown") return countdown_rows(cfg);
  throw ConfigError({"task.name: unknown task " + cfg.task.name + " (addition | countdown)"});
}

}  // namespace zerorl
