#include <gtest/gtest.h>

#include <cmath>

#include "rewards/shaping_rewards.h"

namespace zerorl {
namespace {

TEST(CosineReward, EndsAndMiddle) {
  CosineParams p;  // wrong: -1 .. -0.5, correct: 0.5 .. 1, max_len 1000
  EXPECT_DOUBLE_EQ(cosine_score(true, 0, p), 1.0);
  EXPECT_DOUBLE_EQ(cosine_score(true, 1000, p), 0.5);
  EXPECT_NEAR(cosine_score(true, 500, p), 0.75, 1e-12);
  EXPECT_DOUBLE_EQ(cosine_score(false, 0, p), -1.0);
  EXPECT_DOUBLE_EQ(cosine_score(false, 1000, p), -0.5);
  EXPECT_DOUBLE_EQ(cosine_score(true, 5000, p), 0.5);  // past max_len: clamped (TRL)
  // cos(0.25 pi) = 0.70711: 0.5 + 0.25 * 1.70711
  EXPECT_NEAR(cosine_score(true, 250, p), 0.5 + 0.25 * (1 + std::sqrt(0.5)), 1e-12);
}

TEST(LengthReward, KimiWithinAGroup) {
  // lengths 10, 20, 30: lambda 0.5, 0, -0.5; wrong answers get min(0, lambda).
  auto s = length_scores({10, 20, 30}, {true, true, false});
  ASSERT_EQ(s.size(), 3u);
  EXPECT_DOUBLE_EQ(s[0], 0.5);
  EXPECT_DOUBLE_EQ(s[1], 0.0);
  EXPECT_DOUBLE_EQ(s[2], -0.5);
  auto w = length_scores({10, 30}, {false, false});
  EXPECT_DOUBLE_EQ(w[0], 0.0);
  EXPECT_DOUBLE_EQ(w[1], -0.5);
  auto same = length_scores({7, 7}, {true, false});
  EXPECT_DOUBLE_EQ(same[0], 0.0);
  EXPECT_DOUBLE_EQ(same[1], 0.0);
  EXPECT_TRUE(length_scores({}, {}).empty());
}

TEST(RepetitionPenalty, Table) {
  struct Case {
    const char* text;
    int n;
    double max_penalty, expected;
  } cases[] = {
      {"this is a this is a test", 3, -2.0, -0.4},  // 5 trigrams, 3 distinct
      {"", 2, -1.0, 0.0},
      {"A B C A B", 3, -0.5, 0.0},
      {"this this this this this", 2, -1.0, -0.75},
      {"Word word WORD word", 1, -1.0, -0.75},  // lower-cased
      {"two words", 3, -1.0, 0.0},
      {"A B C A B C", 3, -1.0, -0.25},
  };
  for (auto& c : cases)
    EXPECT_NEAR(repetition_penalty_score(lower_words(c.text), c.n, c.max_penalty), c.expected, 1e-12) << c.text;
}

TEST(SoftOverlong, Ramp) {
  EXPECT_DOUBLE_EQ(soft_overlong_score(50, 100, 20), 0.0);
  EXPECT_DOUBLE_EQ(soft_overlong_score(80, 100, 20), 0.0);
  EXPECT_DOUBLE_EQ(soft_overlong_score(90, 100, 20), -0.5);
  EXPECT_DOUBLE_EQ(soft_overlong_score(100, 100, 20), -1.0);
  EXPECT_DOUBLE_EQ(soft_overlong_score(110, 100, 20), -1.0);
  EXPECT_DOUBLE_EQ(soft_overlong_score(101, 100, 0), -1.0);
  EXPECT_DOUBLE_EQ(soft_overlong_score(100, 100, 0), 0.0);
}

TEST(LanguageReward, ShareOfLettersInScript) {
  EXPECT_DOUBLE_EQ(*language_score("hello world", "latin"), 1.0);
  // "ab" + two Han characters: half the letters are Latin.
  EXPECT_DOUBLE_EQ(*language_score("ab \xe4\xbd\xa0\xe5\xa5\xbd", "latin"), 0.5);
  EXPECT_DOUBLE_EQ(*language_score("ab \xe4\xbd\xa0\xe5\xa5\xbd", "han"), 0.5);
  EXPECT_DOUBLE_EQ(*language_score("2 + 2 = 4, x", "latin"), 1.0);  // digits and symbols are not letters
  EXPECT_DOUBLE_EQ(*language_score("\xd0\xbf\xd1\x80\xd0\xb8", "latin"), 0.0);  // Cyrillic
  EXPECT_FALSE(language_score("12 + 3", "latin").has_value());
  EXPECT_FALSE(language_score("", "latin").has_value());
  EXPECT_DOUBLE_EQ(*language_score("ab\xff\xfe", "latin"), 1.0);  // invalid bytes skipped
}

}  // namespace
}  // namespace zerorl
