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

// Found by the fuzzer: digits after the point used to overflow the numerator when the integer
// part was long. 15 significant digits are exact; more make the value undefined, never UB.
TEST(CountdownEval, LongDecimalsAreExactOrUndefined) {
  auto ok = eval_countdown_expression("12345678.1234567 * 10000000");
  ASSERT_TRUE(ok.has_value());
  EXPECT_FALSE(ok->undefined);
  EXPECT_DOUBLE_EQ(ok->value, 123456781234567.0);
  for (const char* e : {"0/(2*44444444.4444444444444444444444", "0/(2*44444444.4444444444444444444444)",
                        "44444444.4444444444444444", "1.0000000000000000000001", "999999999999999.9"}) {
    auto v = eval_countdown_expression(e);
    if (v) EXPECT_TRUE(v->undefined) << e;
  }
  // -2^31 * 2^32 is exactly INT64_MIN: no overflow in the product, but it cannot be negated
  // or reduced; undefined. One less stays exact.
  auto m = eval_countdown_expression("-2147483648 * 4294967296");
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->undefined);
  auto m1 = eval_countdown_expression("-2147483647 * 4294967296");
  ASSERT_TRUE(m1.has_value());
  EXPECT_FALSE(m1->undefined);
  EXPECT_DOUBLE_EQ(m1->value, -2147483647.0 * 4294967296.0);
}

}  // namespace
}  // namespace zerorl
