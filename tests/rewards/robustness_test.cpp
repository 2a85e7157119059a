// Hostile inputs for every built-in reward: huge completions, deep nesting, invalid UTF-8, NUL
// bytes, unbalanced and repeated tags. Each must return a score (or no score) without crashing;
// ctest's timeout catches a hang. No timing assertions.
#include <gtest/gtest.h>

#include "rewards/builtin_rewards.h"
#include "rewards/math_answer.h"

namespace zerorl {
namespace {

std::vector<std::string> hostile_completions() {
  std::vector<std::string> v;
  v.push_back(std::string(10 << 20, 'x') + " \\boxed{4}");               // 10 MB
  v.push_back(std::string(10000, '{') + "1" + std::string(10000, '}'));  // 10,000 nested braces
  v.push_back("\\boxed{" + std::string(10000, '{') + "1");               // unclosed
  v.push_back(std::string(10000, '(') + "2" + std::string(10000, ')'));
  v.push_back("\\frac" + std::string(5000, '{') + "<answer>");
  v.push_back("<answer>" + std::string(3000, '(') + "1</answer>");
  v.push_back("\xff\xfe\xfd <answer>\xc3\x28</answer> \xe2\x82");    // invalid UTF-8
  v.push_back(std::string("<think>\0</think><answer>4\0</answer>", 34));  // NUL bytes
  v.push_back("<think><think></think></think><answer><answer>4</answer>");
  v.push_back("</answer><answer></think><think>");
  v.push_back("<answer>" + std::string(50000, '1') + "</answer>");  // a 50,000-digit number
  v.push_back("\\boxed{10^{10^{10^{10}}}}");
  v.push_back("\\boxed{(x+1)^{99999999}}");
  v.push_back("\\boxed{((((x+1)^{20})^{20})^{20})^{20}}");
  v.push_back("\\boxed{99999!}");
  v.push_back("\\boxed{1/0 + 0/0}");
  std::string many_boxes;
  for (int i = 0; i < 20000; ++i) many_boxes += "\\boxed{";
  v.push_back(many_boxes);
  std::string many_dollars(100000, '$');
  v.push_back(many_dollars);
  v.push_back(std::string(200000, '\\'));
  return v;
}

TEST(Robustness, EveryBuiltinRewardSurvivesHostileCompletions) {
  auto completions = hostile_completions();
  nlohmann::json row = {{"gold", "(x+1)^2"}, {"numbers", {1, 2}}, {"target", 3}};
  std::vector<RewardInput> batch;
  for (auto& c : completions) batch.push_back(RewardInput{"<think>", c, &row, 100, FinishReason::Length});
  for (auto& kind : builtin_rewards()) {
    auto fn = kind.make(Params(nlohmann::json::object(), kind.params), RewardContext{"answer", 64});
    auto scores = fn->score(batch);
    ASSERT_EQ(scores.size(), batch.size()) << kind.name;
    for (auto& s : scores)
      if (s) {
        EXPECT_TRUE(std::isfinite(*s)) << kind.name;
      }
  }
}

TEST(Robustness, HostileGoldAnswers) {
  for (auto& g : hostile_completions()) {
    EXPECT_FALSE(answers_equal("5", g));
    (void)parse_gold(g);
  }
}

TEST(Robustness, OverflowAndUndefinedAreNotEqual) {
  EXPECT_FALSE(answers_equal("\\boxed{10^{10^{10^{10}}}}", "10^{10^{10^{10}}}+1"));
  EXPECT_FALSE(answers_equal("(x+1)^{99999999}", "(x+1)^{99999999}+1"));
  EXPECT_FALSE(answers_equal("99999!", "99999!+1"));
  EXPECT_TRUE(answers_equal("((x+1)^{2})^{2}", "(x+1)^4"));
}

}  // namespace
}  // namespace zerorl
