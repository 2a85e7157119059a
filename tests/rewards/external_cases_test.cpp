// Reward test cases written by other projects (../shared/data/reward_cases_external.jsonl):
// open-r1, TRL, verl and oumi. Every format, tag_count and think_format row must pass; the other
// rows are checked where our convention matches theirs.
//
// Conventions that differ (those rows are skipped, and counted):
// - open-r1 len_reward treats an unparseable gold as correct (0.5 for the shortest); our gold
//   "unparseable_latex" parses as a symbol, and an unparseable gold gives no score instead.
// - open-r1 repetition_penalty with language "zh" segments words with jieba; we split on
//   whitespace only.
// - code_format and reasoning_accuracy are not rewards of ours.
// Differences in units, handled by parameters: open-r1's cosine and length rewards count
// characters (length_unit: chars); TRL's count tokens (our default). TRL's repetition penalty
// works on token ids: the ids are fed as words, which is the same n-gram count.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "rewards/builtin_rewards.h"
#include "rewards/format_rewards.h"
#include "rewards/shaping_rewards.h"

namespace zerorl {
namespace {

std::vector<nlohmann::json> load_cases() {
  std::vector<nlohmann::json> rows;
  std::ifstream f(ZERORL_SHARED_DATA "/reward_cases_external.jsonl");
  std::string line;
  while (std::getline(f, line)) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

bool starts(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

double tolerance_of(const nlohmann::json& r) {
  if (!r.contains("tolerance")) return 1e-9;
  std::string t = r["tolerance"];
  if (t.find("places=2") != std::string::npos) return 0.005;
  if (t.find("places=4") != std::string::npos || t.find("abs=0.0001") != std::string::npos ||
      t.find("4) == 0") != std::string::npos)
    return 0.00005;
  return 1e-6;
}

// Scores one input with a built-in reward made from JSON params.
Score score_with(const std::string& reward, const nlohmann::json& params, const std::vector<RewardInput>& batch,
                 size_t index) {
  const RewardKind* kind = find_builtin(reward);
  EXPECT_NE(kind, nullptr) << reward;
  auto fn = kind->make(Params(params, kind->params), RewardContext{});
  return fn->score(batch)[index];
}

struct Checked {
  std::map<std::string, int> passed, skipped;
};

void expect_value(const nlohmann::json& r, const Score& got, Checked& c) {
  std::string what = r["impl"].get<std::string>() + " " + r.value("completion", std::string("<ids>")).substr(0, 60);
  if (r.contains("expected_relation")) {
    std::string rel = r["expected_relation"];
    ASSERT_TRUE(got.has_value()) << what;
    if (rel == "<= 0.0") EXPECT_LE(*got, 0.0) << what;
    else if (rel == "> 0.0") EXPECT_GT(*got, 0.0) << what;
    else ADD_FAILURE() << "unknown relation " << rel;
  } else if (r["expected"].is_null()) {
    EXPECT_FALSE(got.has_value()) << what;
  } else {
    ASSERT_TRUE(got.has_value()) << what;
    EXPECT_NEAR(*got, r["expected"].get<double>(), tolerance_of(r)) << what;
  }
  c.passed[r["reward"]]++;
}

TEST(ExternalRewardCases, EveryApplicableRowPasses) {
  auto rows = load_cases();
  ASSERT_EQ(rows.size(), 146u);
  Checked c;
  nlohmann::json empty = nlohmann::json::object();
  for (auto& r : rows) {
    std::string reward = r["reward"], impl = r["impl"];
    std::string completion = r.value("completion", "");
    nlohmann::json params = r.value("params", nlohmann::json::object());
    nlohmann::json row = nlohmann::json::object();
    if (r.contains("gold")) row["gold"] = r["gold"];
    RewardInput in{"", completion, &row, r.value("completion_len_tokens", int64_t{0}), FinishReason::Eos};
    if (reward == "format") {
      expect_value(r, format_score(completion, true), c);
    } else if (reward == "tag_count") {
      expect_value(r, tag_count_score(completion, true), c);
    } else if (reward == "think_format") {
      expect_value(r, think_format_score(completion), c);
    } else if (reward == "reasoning_steps") {
      expect_value(r, reasoning_steps_score(completion, 3), c);
    } else if (reward == "accuracy") {
      expect_value(r, score_with("accuracy", empty, {in}, 0), c);
    } else if (reward == "cosine_scaled") {
      nlohmann::json p = params;
      p["length_unit"] = starts(impl, "open-r1") ? "chars" : "tokens";
      expect_value(r, score_with("cosine", p, {in}, 0), c);
    } else if (reward == "soft_overlong_punishment") {
      expect_value(r, soft_overlong_score(r["completion_len_tokens"], params["max_completion_len"],
                                          params["soft_punish_cache"]),
                   c);
    } else if (reward == "repetition_penalty") {
      if (params.value("language", "en") == "zh") {
        c.skipped[reward]++;
        continue;
      }
      std::vector<std::string> words;
      if (r.contains("completion_ids"))
        for (auto& id : r["completion_ids"]) words.push_back(std::to_string(id.get<int64_t>()));
      else
        words = lower_words(completion);
      expect_value(r, repetition_penalty_score(words, params["ngram_size"], params["max_penalty"]), c);
    } else if (reward == "countdown") {
      nlohmann::json task = {{"numbers", r["numbers"]}, {"target", r["target"]}};
      RewardInput task_in{"", completion, &task, 0, FinishReason::Eos};
      expect_value(r, score_with("countdown", {{"format_score", 0.0}}, {task_in}, 0), c);
    } else if (reward == "length") {
      if (r["gold"] == "unparseable_latex") {
        c.skipped[reward]++;
        continue;
      }
      // The batch the upstream test scored together: all with the same (empty) prompt.
      std::vector<nlohmann::json> rows_json;
      std::vector<RewardInput> batch;
      size_t index = 0;
      if (r.contains("batch") && r["batch"].contains("completions")) {
        auto& b = r["batch"];
        for (auto& g : b["golds"]) rows_json.push_back({{"gold", g}});
        for (size_t i = 0; i < b["completions"].size(); ++i)
          batch.push_back(RewardInput{"", b["completions"][i], &rows_json[i], 0, FinishReason::Eos});
        index = b["index"];
      } else {
        batch.push_back(in);
      }
      expect_value(r, score_with("length", {{"length_unit", "chars"}}, batch, index), c);
    } else {
      c.skipped[reward]++;  // code_format, reasoning_accuracy
    }
  }
  int passed = 0, skipped = 0;
  for (auto& [k, v] : c.passed) {
    std::cout << "  " << k << ": " << v << " rows checked\n";
    passed += v;
  }
  for (auto& [k, v] : c.skipped) {
    std::cout << "  " << k << ": " << v << " rows skipped (other convention)\n";
    skipped += v;
  }
  EXPECT_EQ(c.passed["format"], 7);
  EXPECT_EQ(c.passed["tag_count"], 6);
  EXPECT_EQ(c.passed["think_format"], 18);
  EXPECT_EQ(passed + skipped, 146);
}

}  // namespace
}  // namespace zerorl
