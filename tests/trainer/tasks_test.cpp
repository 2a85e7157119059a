// Synthetic tasks: the column work, held-out splits, Countdown. Expected values are worked by hand or
// checked by the small independent parsers below, never by the code under test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>

#include "core/config.h"
#include "core/error.h"
#include "trainer/tasks.h"

namespace zerorl {
namespace {

// splitmix64's published first outputs for seed 0 (Vigna's reference implementation).
TEST(TaskRng, MatchesSplitmix64Reference) {
  TaskRng r(0);
  EXPECT_EQ(r.next(), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(r.next(), 0x6E789E6AA1B965F4ULL);
  EXPECT_EQ(r.next(), 0x06C45D188009454FULL);
}

TEST(TaskRng, UniformIntStaysInRangeAndHitsBothEnds) {
  TaskRng r(7);
  std::set<int64_t> seen;
  for (int i = 0; i < 2000; ++i) {
    int64_t x = r.uniform_int(3, 9);
    ASSERT_GE(x, 3);
    ASSERT_LE(x, 9);
    seen.insert(x);
  }
  EXPECT_EQ(seen.size(), 7u);
}

TEST(MixSeed, DifferentStreamsDiffer) {
  EXPECT_NE(mix_seed(0, 1), mix_seed(0, 2));
  EXPECT_NE(mix_seed(0, 1), mix_seed(1, 1));
  EXPECT_EQ(mix_seed(5, 1), mix_seed(5, 1));
}

struct WorkCase {
  int64_t a, b;
  int slip_column, slip_delta, recheck_column;
  const char* scratch;
  const char* answer;
};

// Worked by hand.
const WorkCase kWorkCases[] = {
    {347, 285, -1, 0, -1, "7+5=12,4+8+1=13,3+2+1=6", "632"},
    {999, 999, -1, 0, -1, "9+9=18,9+9+1=19,9+9+1=19", "1998"},
    {100, 100, -1, 0, -1, "0+0=0,0+0=0,1+1=2", "200"},
    {347, 285, 1, +1, -1, "7+5=12,4+8+1=14,3+2+1=6", "642"},   // slip carried consistently
    {347, 285, 0, -3, -1, "7+5=9,4+8=12,3+2+1=6", "629"},      // slip that removes a carry
    {347, 285, 2, +2, -1, "7+5=12,4+8+1=13,3+2+1=8", "832"},
    {347, 285, 1, +1, 1, "7+5=12,4+8+1=14 wait 4+8+1=13,3+2+1=6", "632"},  // re-check corrects
    {347, 285, -1, 0, 2, "7+5=12,4+8+1=13,3+2+1=6 wait 3+2+1=6", "632"},   // re-check confirms
    {555, 444, 0, +1, 0, "5+4=10 wait 5+4=9,5+4=9,5+4=9", "999"},
};

TEST(Addition, WorkMatchesHandWorkedTable) {
  for (const WorkCase& c : kWorkCases) {
    AdditionWork w = work_addition({c.a, c.b}, 3, c.slip_column, c.slip_delta, c.recheck_column);
    EXPECT_EQ(scratchpad_text(w), c.scratch) << c.a << "+" << c.b;
    EXPECT_EQ(w.answer, c.answer) << c.a << "+" << c.b;
  }
}

TEST(Addition, QuestionAndAnswer) {
  EXPECT_EQ(addition_question({347, 285}), "347+285=");
  EXPECT_EQ(addition_answer({347, 285}), "632");
}

// Independent check of a clean scratchpad: every "x+y(+c)=s" is true, carries chain, and the digits
// read back to the answer.
std::string check_scratch(const std::string& s) {
  std::string digits;
  int carry = 0;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find(',', pos);
    if (end == std::string::npos) end = s.size();
    std::string col = s.substr(pos, end - pos);
    int x = col[0] - '0', y = col[2] - '0', c = 0;
    size_t eq = col.find('=');
    if (eq == 5) c = col[4] - '0';
    int sum = std::stoi(col.substr(eq + 1));
    if (c != carry || x + y + c != sum) return "bad column " + col;
    digits.insert(digits.begin(), char('0' + sum % 10));
    carry = sum / 10;
    pos = end + 1;
  }
  if (carry) digits.insert(digits.begin(), '1');
  return digits;
}

TEST(Addition, RandomCleanWorkIsRightForEveryDigitCount) {
  TaskRng rng(11);
  for (int digits = 1; digits <= 9; ++digits) {
    for (int i = 0; i < 200; ++i) {
      AdditionProblem p = sample_addition(rng, digits);
      ASSERT_EQ(std::to_string(p.a).size(), size_t(digits));
      ASSERT_EQ(std::to_string(p.b).size(), size_t(digits));
      AdditionWork w = work_addition(p, digits);
      EXPECT_EQ(w.answer, std::to_string(p.a + p.b));
      EXPECT_EQ(check_scratch(scratchpad_text(w)), std::to_string(p.a + p.b));
    }
  }
}

Config addition_config(int64_t seed, int64_t eval_size, int64_t train_size, int digits = 3) {
  Config c;
  c.run.seed = seed;
  c.task.name = "addition";
  c.task.digits = digits;
  c.task.eval_size = eval_size;
  c.task.train_size = train_size;
  return c;
}

TEST(AdditionRows, RowsCarryQuestionAnswerAndOperands) {
  TaskRows rows = make_task_rows(addition_config(0, 50, 300));
  ASSERT_EQ(rows.eval.size(), 50u);
  ASSERT_EQ(rows.train.size(), 300u);
  for (const auto* split : {&rows.train, &rows.eval})
    for (const nlohmann::json& r : *split) {
      int64_t a = r.at("a"), b = r.at("b");
      EXPECT_EQ(r.at("prompt"), std::to_string(a) + "+" + std::to_string(b) + "=");
      EXPECT_EQ(r.at("answer"), std::to_string(a + b));
    }
}

TEST(AdditionRows, UseConfiguredFieldNames) {
  Config c = addition_config(0, 5, 5);
  c.data.prompt_field = "question";
  c.data.answer_field = "gold";
  TaskRows rows = make_task_rows(c);
  EXPECT_TRUE(rows.train[0].contains("question"));
  EXPECT_TRUE(rows.train[0].contains("gold"));
  EXPECT_FALSE(rows.train[0].contains("prompt"));
}

TEST(AdditionRows, EvalIsFixedAcrossSeedsAndDisjointFromTrain) {
  TaskRows s0 = make_task_rows(addition_config(0, 200, 5000));
  TaskRows s1 = make_task_rows(addition_config(1, 200, 5000));
  EXPECT_EQ(s0.eval, s1.eval);
  EXPECT_NE(s0.train, s1.train);
  // A smaller eval split is a prefix of a larger one, and neither ever meets training rows.
  TaskRows small = make_task_rows(addition_config(0, 20, 10));
  EXPECT_EQ(std::vector<nlohmann::json>(s0.eval.begin(), s0.eval.begin() + 20), small.eval);
  std::set<std::string> held;
  for (const AdditionProblem& p : addition_holdout(addition_config(0, 200, 1).task))
    held.insert(std::to_string(p.a) + "+" + std::to_string(p.b) + "=");
  EXPECT_EQ(held.size(), size_t(kMinHoldout));
  std::set<std::string> train;
  for (const TaskRows* r : {&s0, &s1})
    for (const nlohmann::json& row : r->train) {
      EXPECT_EQ(held.count(row.at("prompt").get<std::string>()), 0u);
      train.insert(row.at("prompt").get<std::string>());
    }
  for (const nlohmann::json& row : s0.eval) EXPECT_EQ(held.count(row.at("prompt").get<std::string>()), 1u);
  EXPECT_GT(train.size(), 9000u);  // distinct problems within a seed
}

TEST(AdditionRows, SmallSpaceUsesEveryProblemOutsideTheHoldout) {
  // 1-digit: 9 x 9 = 81 problems; holdout max(10, min(1000, 81/4)) = 20, so 61 left for training.
  TaskRows rows = make_task_rows(addition_config(3, 10, 1000, 1));
  EXPECT_EQ(rows.eval.size(), 10u);
  EXPECT_EQ(rows.train.size(), 61u);
  std::set<std::string> all;
  for (const nlohmann::json& r : rows.train) all.insert(r.at("prompt").get<std::string>());
  for (const nlohmann::json& r : rows.eval) all.insert(r.at("prompt").get<std::string>());
  EXPECT_EQ(all.size(), 71u);
}

TEST(AdditionRows, EvalSizeThatLeavesNothingIsAConfigError) {
  EXPECT_THROW(make_task_rows(addition_config(0, 81, 10, 1)), ConfigError);
}

// ---------------------------------------------------------------- countdown
// A tiny independent evaluator: + - * / and parentheses over integers, exact rationals not needed
// because the generator only divides exactly; returns false on a non-exact division.
struct Eval {
  explicit Eval(const std::string& text) : s(text) {}
  const std::string& s;
  size_t i = 0;
  std::multiset<int64_t> used;
  bool ok = true;
  int64_t expr() {
    int64_t v = term();
    while (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      char op = s[i++];
      int64_t r = term();
      v = op == '+' ? v + r : v - r;
    }
    return v;
  }
  int64_t term() {
    int64_t v = atom();
    while (i < s.size() && (s[i] == '*' || s[i] == '/')) {
      char op = s[i++];
      int64_t r = atom();
      if (op == '*') v *= r;
      else if (r == 0 || v % r) ok = false;
      else v /= r;
    }
    return v;
  }
  int64_t atom() {
    if (i < s.size() && s[i] == '(') {
      ++i;
      int64_t v = expr();
      if (i >= s.size() || s[i] != ')') ok = false;
      ++i;
      return v;
    }
    size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (start == i) {
      ok = false;
      return 0;
    }
    int64_t v = std::stoll(s.substr(start, i - start));
    used.insert(v);
    return v;
  }
};

TEST(Countdown, SolutionsReachTargetUsingEachNumberOnce) {
  TaskRng rng(5);
  for (int count = 2; count <= 6; ++count)
    for (int i = 0; i < 100; ++i) {
      CountdownProblem p = sample_countdown(rng, count, 100);
      ASSERT_EQ(p.numbers.size(), size_t(count));
      for (int64_t n : p.numbers) {
        EXPECT_GE(n, 1);
        EXPECT_LE(n, 99);
      }
      EXPECT_GE(p.target, 1);
      EXPECT_LE(p.target, 100);
      Eval e{p.solution};
      int64_t v = e.expr();
      EXPECT_TRUE(e.ok && e.i == p.solution.size()) << p.solution;
      EXPECT_EQ(v, p.target) << p.solution;
      EXPECT_EQ(e.used, std::multiset<int64_t>(p.numbers.begin(), p.numbers.end())) << p.solution;
    }
}

TEST(Countdown, QuestionNamesNumbersAndTarget) {
  CountdownProblem p{{44, 19, 35}, 98, "(44+19)+35"};
  EXPECT_EQ(countdown_question(p),
            "Using the numbers [44, 19, 35], create an equation that equals 98. You can use basic arithmetic "
            "operations (+, -, *, /) and each number can only be used once.");
}

TEST(CountdownRows, RowsHaveNumbersTargetAndDisjointSplits) {
  Config c;
  c.task.name = "countdown";
  c.task.eval_size = 30;
  c.task.train_size = 500;
  c.task.countdown_numbers = 4;
  TaskRows rows = make_task_rows(c);
  ASSERT_EQ(rows.eval.size(), 30u);
  ASSERT_EQ(rows.train.size(), 500u);
  std::set<std::string> eval_keys;
  auto key = [](const nlohmann::json& r) {
    CountdownProblem p;
    p.numbers = r.at("numbers").get<std::vector<int64_t>>();
    p.target = r.at("target");
    return problem_key(p);
  };
  for (const nlohmann::json& r : rows.eval) eval_keys.insert(key(r));
  for (const nlohmann::json& r : rows.train) {
    EXPECT_EQ(eval_keys.count(key(r)), 0u);
    EXPECT_EQ(r.at("numbers").size(), 4u);
    Eval e{r.at("answer").get_ref<const std::string&>()};
    EXPECT_EQ(e.expr(), r.at("target").get<int64_t>());
    EXPECT_NE(r.at("prompt").get<std::string>().find("equals " + std::to_string(r.at("target").get<int64_t>())),
              std::string::npos);
  }
}

}  // namespace
}  // namespace zerorl
