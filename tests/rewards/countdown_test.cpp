#include <gtest/gtest.h>

#include "rewards/countdown_reward.h"

namespace zerorl {
namespace {

struct Case {
  const char* completion;
  std::vector<int64_t> numbers;
  int64_t target;
  double expected;  // with format_score 0.1
};

TEST(CountdownReward, Table) {
  const Case cases[] = {
      {"<answer>(3 - 2) * 1</answer>", {1, 2, 3}, 1, 1.0},
      {"<think>try</think><answer> 44 + 19 + 35 </answer>", {44, 19, 35}, 98, 1.0},
      {"<answer>100 / (5 - 1) - 5</answer>", {100, 5, 1, 5}, 20, 1.0},
      {"<answer>7 / 2 * 2</answer>", {7, 2, 2}, 7, 1.0},  // exact fractions: 7/2*2 = 7
      {"<answer>-3 + 5</answer>", {3, 5}, 2, 1.0},
      {"<answer>1 + 2</answer>", {1, 2, 3}, 3, 0.1},      // a number left unused
      {"<answer>1 + 1 + 2</answer>", {1, 2}, 4, 0.1},     // a number used twice
      {"<answer>1 + 4</answer>", {1, 2}, 5, 0.1},         // a number not given
      {"<answer>1 + 2 + 3</answer>", {1, 2, 3}, 7, 0.1},  // wrong value
      {"<answer>1.0 * 2.0 * 3.0</answer>", {1, 2, 3}, 6, 0.1},
      {"<answer>6 / (3 - 3)</answer>", {6, 3, 3}, 2, 0.1},  // division by zero
      {"<answer>99999999999 * 99999999999 * 99999999999</answer>", {99999999999, 99999999999, 99999999999}, 1, 0.1},
      {"<answer>1 foo 2 bar 3</answer>", {1, 2, 3}, 6, 0.0},  // not an expression
      {"<answer>__import__('os')</answer>", {1}, 1, 0.0},
      {"<answer>(1 + 2</answer>", {1, 2}, 3, 0.0},
      {"<answer></answer>", {}, 0, 0.0},
      {"<answer>1 + 2", {1, 2}, 3, 0.0},
      {"1 + 2 = 3", {1, 2}, 3, 0.0},
      {"<answer>1 + 2</answer> <answer>2 * 1</answer>", {1, 2}, 2, 1.0},  // the last answer counts
  };
  for (auto& c : cases) EXPECT_DOUBLE_EQ(countdown_score(c.completion, c.numbers, c.target, 0.1), c.expected) << c.completion;
}

TEST(CountdownReward, DeepNestingIsRefusedNotOverflowed) {
  std::string deep(10000, '(');
  deep = "<answer>" + deep + "1" + std::string(10000, ')') + "</answer>";
  EXPECT_EQ(countdown_score(deep, {1}, 1, 0.1), 0.0);
  std::string ok = "<answer>" + std::string(20, '(') + "1" + std::string(20, ')') + "</answer>";
  EXPECT_EQ(countdown_score(ok, {1}, 1, 0.1), 1.0);
}

TEST(CountdownEval, ValuesAndLiterals) {
  auto e = eval_countdown_expression("(10 - 4) / 4");
  ASSERT_TRUE(e.has_value());
  EXPECT_DOUBLE_EQ(e->value, 1.5);
  ASSERT_EQ(e->literals.size(), 3u);
  EXPECT_EQ(e->literals[0], "10");
  EXPECT_FALSE(eval_countdown_expression("2 ** 3").has_value());
  EXPECT_FALSE(eval_countdown_expression("").has_value());
  auto z = eval_countdown_expression("1 / 0");
  ASSERT_TRUE(z.has_value());
  EXPECT_TRUE(z->undefined);
}

}  // namespace
}  // namespace zerorl
