#include <gtest/gtest.h>

#include "core/config.h"
#include "core/error.h"
#include "rewards/reward_set.h"

namespace zerorl {
namespace {

Config config_of(const std::vector<std::string>& overrides) { return load_config({}, overrides, check_rewards_config); }

std::vector<std::string> problems_of(const std::vector<std::string>& overrides) {
  try {
    config_of(overrides);
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

TEST(RewardSet, WeightedSumOverScoredRewards) {
  Config cfg = config_of({"rewards.accuracy.weight=2", "rewards.format.weight=0.5", "rewards.format.newlines=false"});
  RewardSet set(cfg);
  ASSERT_EQ(set.names(), (std::vector<std::string>{"accuracy", "format"}));
  nlohmann::json with_gold = {{"answer", "4"}}, no_gold = nlohmann::json::object();
  std::vector<RewardInput> batch = {
      {"", "<think>2+2</think><answer>4</answer>", &with_gold, 0, FinishReason::Eos},  // 2*1 + 0.5*1
      {"", "<answer>5</answer>", &with_gold, 0, FinishReason::Eos},                   // 2*0 + 0.5*0
      {"", "<think>x</think><answer>4</answer>", &no_gold, 0, FinishReason::Eos},       // null + 0.5*1
  };
  RewardScores s = set.score(batch);
  ASSERT_EQ(s.total.size(), 3u);
  EXPECT_DOUBLE_EQ(*s.total[0], 2.5);
  EXPECT_DOUBLE_EQ(*s.total[1], 0.0);
  EXPECT_DOUBLE_EQ(*s.total[2], 0.5);
  ASSERT_EQ(s.per_fn.size(), 2u);
  EXPECT_EQ(s.per_fn[0].first, "accuracy");
  EXPECT_FALSE(s.per_fn[0].second[2].has_value());
  EXPECT_EQ(s.no_score_counts[0], (std::pair<std::string, long>{"accuracy", 1}));
  EXPECT_EQ(s.no_score_counts[1], (std::pair<std::string, long>{"format", 0}));
}

TEST(RewardSet, TotalIsNullWhenEveryRewardGivesNoScore) {
  RewardSet set(config_of({"rewards.accuracy.weight=1"}));
  nlohmann::json row = {{"gold", "forty two"}};
  RewardScores s = set.score({{"", "42", &row, 0, FinishReason::Eos}});
  EXPECT_FALSE(s.total[0].has_value());
}

TEST(RewardSet, AnswerFieldAndFallbacks) {
  RewardSet set(config_of({"rewards.accuracy.weight=1", "data.answer_field=target_value"}));
  nlohmann::json a = {{"target_value", "7"}, {"gold", "8"}}, b = {{"solution", "#### 8"}}, c = {{"answer", 9}};
  RewardScores s = set.score({{"", "7", &a, 0, FinishReason::Eos}, {"", "8", &b, 0, FinishReason::Eos},
                              {"", "9", &c, 0, FinishReason::Eos}});
  EXPECT_EQ(*s.total[0], 1.0);
  EXPECT_EQ(*s.total[1], 1.0);
  EXPECT_EQ(*s.total[2], 1.0);
}

TEST(CheckRewardsConfig, UnknownNameSuggestsTheClosest) {
  auto p = problems_of({"rewards.acuracy.weight=1"});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("rewards.acuracy: unknown reward (did you mean 'accuracy'?)"), std::string::npos) << p[0];
  EXPECT_NE(p[0].find("--set"), std::string::npos) << p[0];
}

TEST(CheckRewardsConfig, UnknownAndMistypedParams) {
  auto p = problems_of({"rewards.format.newline=false", "rewards.countdown.format_score=high",
                        "rewards.repetition_penalty.max_penalty=1", "rewards.language.script=latn"});
  ASSERT_EQ(p.size(), 4u);
  std::string all;
  for (auto& x : p) all += x + "\n";
  EXPECT_NE(all.find("rewards.format.newline: unknown parameter (did you mean 'newlines'?)"), std::string::npos) << all;
  EXPECT_NE(all.find("rewards.countdown.format_score: expected a number, got '\"high\"'"), std::string::npos) << all;
  EXPECT_NE(all.find("rewards.repetition_penalty.max_penalty: must be <= 0.0, got 1"), std::string::npos) << all;
  EXPECT_NE(all.find("rewards.language.script: 'latn' is not one of"), std::string::npos) << all;
}

TEST(CheckRewardsConfig, BoolParamRejectsAString) {
  auto p = problems_of({"rewards.accuracy.require_tags=yes"});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("rewards.accuracy.require_tags: expected a bool"), std::string::npos) << p[0];
}

TEST(CheckRewardsConfig, ExternalCommandMustExist) {
  auto p = problems_of({"rewards.mine.command=[no-such-program-zerorl]"});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("rewards.mine.command: 'no-such-program-zerorl' is not an executable file on PATH"),
            std::string::npos)
      << p[0];
  EXPECT_TRUE(problems_of({"rewards.mine.command=[python3, x.py]", "rewards.mine.timeout_s=5"}).empty());
  auto bad = problems_of({"rewards.mine.command=python3"});
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_NE(bad[0].find("rewards.mine.command: expected a non-empty list of strings"), std::string::npos) << bad[0];
}

TEST(RewardSet, ConstructorThrowsOnBadConfig) {
  Config cfg;
  cfg.rewards.list.push_back(RewardSpec{"nope", 1.0, nlohmann::json::object(), "x.yaml:3"});
  try {
    RewardSet set(cfg);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 1u);
    EXPECT_NE(e.problems()[0].find("(x.yaml:3)"), std::string::npos);
  }
}

TEST(ListRewardParams, OneLinePerParam) {
  std::string list = list_reward_params();
  EXPECT_NE(list.find("rewards.accuracy.require_tags\tbool\tfalse\t"), std::string::npos);
  EXPECT_NE(list.find("rewards.format.newlines\tbool\ttrue\t"), std::string::npos);
  EXPECT_NE(list.find("rewards.countdown.format_score\tfloat\t0.1\t"), std::string::npos);
  EXPECT_NE(list.find("rewards.<name>.timeout_s\tfloat\t30.0\t"), std::string::npos);
  EXPECT_NE(list.find("rewards.repetition_penalty.ngram_size\tint\t3\t"), std::string::npos);
}

}  // namespace
}  // namespace zerorl
