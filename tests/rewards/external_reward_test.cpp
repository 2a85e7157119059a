// External reward programs: the Python example through RewardSet, and programs that sleep,
// crash, send garbage or stop reading: each gives "no score" for that batch, never a hang, and
// is restarted for the next batch.
#include <gtest/gtest.h>

#include "core/config.h"
#include "core/error.h"
#include "rewards/external_reward.h"
#include "rewards/reward_set.h"

namespace zerorl {
namespace {

// A Python program that answers 1.0 per item, unless an item's completion is a command word.
const char* const kMisbehaving = R"PY(
import json, sys, time, os
for line in sys.stdin:
    items = json.loads(line)["items"]
    words = [i["completion"] for i in items]
    if "sleep" in words: time.sleep(60)
    if "crash" in words: os._exit(3)
    if "garbage" in words: sys.stdout.write("not json\n"); sys.stdout.flush(); continue
    if "short" in words: sys.stdout.write(json.dumps({"scores": [1.0]}) + "\n"); sys.stdout.flush(); continue
    if "nan" in words: sys.stdout.write('{"scores": [NaN]}\n'); sys.stdout.flush(); continue
    sys.stdout.write(json.dumps({"scores": [float(len(w)) for w in words]}) + "\n"); sys.stdout.flush()
)PY";

std::vector<RewardInput> inputs(const std::vector<std::string>& completions, const nlohmann::json& row) {
  std::vector<RewardInput> v;
  for (auto& c : completions) v.push_back(RewardInput{"p", c, &row, 3, FinishReason::Stop});
  return v;
}

TEST(ExternalReward, PythonExampleThroughRewardSet) {
  Config cfg = load_config({},
                           {"rewards.keyword.command=[python3, " ZERORL_SOURCE_DIR "/examples/external_reward.py]",
                            "rewards.keyword.weight=0.5"},
                           check_rewards_config);
  RewardSet set(cfg);
  nlohmann::json with_kw = {{"keyword", "Paris"}}, without = {{"other", 1}};
  std::vector<RewardInput> batch = {{"q", "The capital is paris.", &with_kw, 5, FinishReason::Eos},
                                    {"q", "It is Lyon.", &with_kw, 4, FinishReason::Eos},
                                    {"q", "Paris", &without, 1, FinishReason::Length}};
  for (int round = 0; round < 2; ++round) {  // the program is kept alive between batches
    RewardScores s = set.score(batch);
    EXPECT_DOUBLE_EQ(*s.total[0], 0.5);
    EXPECT_DOUBLE_EQ(*s.total[1], 0.0);
    EXPECT_FALSE(s.total[2].has_value());
    EXPECT_EQ(s.no_score_counts[0].second, 1);
  }
}

TEST(ExternalReward, TimeoutCrashAndGarbageGiveNoScoreThenRestart) {
  ExternalReward r("misbehaving", ExternalOptions{{"python3", "-c", kMisbehaving}, 1.0, 60, 0});
  nlohmann::json row = nlohmann::json::object();
  auto ok = r.score(inputs({"ab", "abc"}, row));
  ASSERT_EQ(ok.size(), 2u);
  EXPECT_EQ(*ok[0], 2.0);
  EXPECT_EQ(*ok[1], 3.0);
  EXPECT_EQ(r.starts(), 1);
  for (const char* bad : {"sleep", "crash", "garbage", "short", "nan"}) {
    auto s = r.score(inputs({"x", bad}, row));
    ASSERT_EQ(s.size(), 2u) << bad;
    EXPECT_FALSE(s[0].has_value()) << bad;
    EXPECT_FALSE(s[1].has_value()) << bad;
    auto again = r.score(inputs({"abcd"}, row));  // restarted, and well again
    ASSERT_TRUE(again[0].has_value()) << bad;
    EXPECT_EQ(*again[0], 4.0) << bad;
  }
  EXPECT_EQ(r.failures(), 5);
  EXPECT_EQ(r.starts(), 6);
}

TEST(ExternalReward, ProgramThatNeverReadsDoesNotKillUsWithSigpipe) {
  // Exits at once: our (large) request hits a closed socket. EPIPE, not SIGPIPE.
  ExternalReward r("deaf", ExternalOptions{{"python3", "-c", "import sys; sys.exit(0)"}, 5.0, 60, 0});
  nlohmann::json row = {{"pad", std::string(4 << 20, 'x')}};
  auto s = r.score(inputs({"a", "b"}, row));
  EXPECT_FALSE(s[0].has_value());
  EXPECT_EQ(r.failures(), 1);
}

TEST(ExternalReward, MissingProgramIsAConfigError) {
  EXPECT_THROW(ExternalReward("x", ExternalOptions{{"/no/such/program"}, 1, 0, 0}), InputError);
  EXPECT_THROW(ExternalReward("x", ExternalOptions{{}, 1, 0, 0}), InputError);
}

TEST(ExternalReward, EmptyBatchNeedsNoProgram) {
  ExternalReward r("x", ExternalOptions{{"python3", "-c", "import time; time.sleep(60)"}, 1, 0, 0});
  EXPECT_TRUE(r.score({}).empty());
  EXPECT_EQ(r.starts(), 0);
}

}  // namespace
}  // namespace zerorl
