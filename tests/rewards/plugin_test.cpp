// The example plugin (examples/reward_plugin.cpp) loaded by path through RewardSet.
#include <gtest/gtest.h>

#include <fstream>

#include "core/config.h"
#include "core/error.h"
#include "rewards/reward_set.h"

namespace zerorl {
namespace {

const std::string kPlugin = ZERORL_EXAMPLE_PLUGIN;

TEST(PluginReward, ExampleRewardsScore) {
  Config cfg = load_config({},
                           {"rewards.plugins=[" + kPlugin + "]", "rewards.exact_match.case_sensitive=false",
                            "rewards.brevity.max_chars=10", "rewards.brevity.weight=2"},
                           check_rewards_config);
  RewardSet set(cfg);
  ASSERT_EQ(set.names(), (std::vector<std::string>{"exact_match", "brevity"}));
  nlohmann::json gold = {{"gold", "Paris"}}, none = nlohmann::json::object();
  std::vector<RewardInput> batch = {{"", " paris ", &gold, 2, FinishReason::Eos},    // 1 + 2 * (1 - 7/10)
                                    {"", "Lyon", &gold, 1, FinishReason::Eos},       // 0 + 2 * (1 - 4/10)
                                    {"", "0123456789ab", &none, 4, FinishReason::Eos}};  // null + 2 * 0
  RewardScores s = set.score(batch);
  EXPECT_NEAR(*s.total[0], 1.6, 1e-12);
  EXPECT_NEAR(*s.total[1], 1.2, 1e-12);
  EXPECT_NEAR(*s.total[2], 0.0, 1e-12);
  EXPECT_FALSE(s.per_fn[0].second[2].has_value());
}

TEST(PluginReward, BadParamIsReportedByThePlugin) {
  Config cfg = load_config({}, {"rewards.plugins=[" + kPlugin + "]", "rewards.brevity.max_char=3"}, check_rewards_config);
  try {
    RewardSet set(cfg);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("rewards.brevity: unknown parameter 'max_char'"), std::string::npos) << e.what();
  }
}

TEST(PluginReward, PluginNamesTakePartInSuggestions) {
  try {
    load_config({}, {"rewards.plugins=[" + kPlugin + "]", "rewards.exact_mach.weight=1"}, check_rewards_config);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 1u);
    EXPECT_NE(e.problems()[0].find("did you mean 'exact_match'?"), std::string::npos) << e.problems()[0];
  }
}

TEST(PluginReward, UnloadableLibraryIsAConfigError) {
  try {
    load_config({}, {"rewards.plugins=[/no/such/lib.so]"}, check_rewards_config);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 1u);
    EXPECT_NE(e.problems()[0].find("rewards.plugins: cannot load '/no/such/lib.so'"), std::string::npos)
        << e.problems()[0];
  }
  // A shared library without the registration function: libm, by the full path this process mapped it from.
  std::string libm;
  std::ifstream maps("/proc/self/maps");
  const std::string suffix = "/libm.so.6";
  for (std::string line; libm.empty() && std::getline(maps, line);)
    if (line.size() > suffix.size() && line.compare(line.size() - suffix.size(), suffix.size(), suffix) == 0)
      libm = line.substr(line.find('/'));
  ASSERT_FALSE(libm.empty());
  try {
    load_config({}, {"rewards.plugins=[" + libm + "]"}, check_rewards_config);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(e.problems()[0].find("does not export zerorl_register_rewards_v1"), std::string::npos)
        << e.problems()[0];
  }
  // A bare name is a file in the working directory, never searched for on the library path.
  try {
    load_config({}, {"rewards.plugins=[libm.so.6]"}, check_rewards_config);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(e.problems()[0].find("rewards.plugins: cannot load 'libm.so.6'"), std::string::npos)
        << e.problems()[0];
  }
}

}  // namespace
}  // namespace zerorl
