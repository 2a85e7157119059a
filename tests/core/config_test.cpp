#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "core/config.h"
#include "core/error.h"

using namespace zerorl;

namespace {

std::string write_tmp(const std::string& name, const std::string& text) {
  std::string path = testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// The problems of a config that must fail; fails the test if it loads.
std::vector<std::string> problems_of(const std::vector<std::string>& files, const std::vector<std::string>& sets) {
  try {
    load_config(files, sets);
  } catch (const ConfigError& e) {
    return e.problems();
  }
  ADD_FAILURE() << "config loaded without error";
  return {};
}

bool any_contains(const std::vector<std::string>& v, const std::string& needle) {
  for (auto& s : v)
    if (s.find(needle) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST(Config, DefaultsLoadWithoutFiles) {
  Config c = load_config({}, {});
  EXPECT_EQ(c.grpo.group_size, 8);
  EXPECT_EQ(c.grpo.loss_type, LossType::Dapo);
  EXPECT_EQ(c.model.hidden_size, 128);
  EXPECT_TRUE(c.rewards.list.empty());
}

TEST(Config, FileSetsTypedValues) {
  auto f = write_tmp("a.yaml",
                     "grpo:\n  group_size: 4\n  loss_type: dr_grpo\n  scale_rewards: none\n"
                     "optim:\n  lr: 3.0e-5\nrollout:\n  stop: [\"</answer>\", \"\\n\\n\"]\n"
                     "rewards:\n  accuracy:\n    weight: 1.0\n    require_tags: true\n  format:\n    weight: 0.5\n");
  Config c = load_config({f}, {});
  EXPECT_EQ(c.grpo.group_size, 4);
  EXPECT_EQ(c.grpo.loss_type, LossType::DrGrpo);
  EXPECT_EQ(c.grpo.scale_rewards, ScaleRewards::None);
  EXPECT_DOUBLE_EQ(c.optim.lr, 3.0e-5);
  ASSERT_EQ(c.rollout.stop.size(), 2u);
  EXPECT_EQ(c.rollout.stop[1], "\n\n");
  ASSERT_EQ(c.rewards.list.size(), 2u);
  EXPECT_EQ(c.rewards.list[0].name, "accuracy");
  EXPECT_EQ(c.rewards.list[0].params.at("require_tags"), true);
  EXPECT_DOUBLE_EQ(c.rewards.list[1].weight, 0.5);
  EXPECT_TRUE(c.explicitly_set.count("grpo.group_size"));
  EXPECT_FALSE(c.explicitly_set.count("grpo.beta"));
}

TEST(Config, LaterFileWinsAndSetWinsOverFiles) {
  auto a = write_tmp("b1.yaml", "grpo:\n  group_size: 4\n  beta: 0.01\n");
  auto b = write_tmp("b2.yaml", "grpo:\n  group_size: 6\n");
  Config c = load_config({a, b}, {"grpo.beta=0.001", "rewards.format.weight=0.25", "rollout.stop=[a, b]"});
  EXPECT_EQ(c.grpo.group_size, 6);
  EXPECT_DOUBLE_EQ(c.grpo.beta, 0.001);
  ASSERT_NE(c.rewards.find("format"), nullptr);
  EXPECT_DOUBLE_EQ(c.rewards.find("format")->weight, 0.25);
  EXPECT_EQ(c.rollout.stop, (std::vector<std::string>{"a", "b"}));
}

TEST(Config, DumpThenReloadGivesTheSameConfig) {
  auto f = write_tmp("c.yaml",
                     "run:\n  name: \"x y\"\n  seed: 7\ngrpo:\n  epsilon_high: 0.28\n  loss_type: grpo\n"
                     "optim:\n  lr: 1.0e-4\n  schedule: cosine\nrollout:\n  stop: [\"true\", \"\"]\n"
                     "data:\n  template: chatml\nrewards:\n  plugins: [libx.so]\n"
                     "  countdown:\n    format_score: 0.1\n    command: [python3, r.py]\n");
  Config c1 = load_config({f}, {"model.rms_norm_eps=1e-5", "optim.lr=0.1", "rewards.accuracy.weight=2"});
  std::string d1 = dump_yaml(c1);
  auto g = write_tmp("c_dump.yaml", d1);
  Config c2 = load_config({g}, {});
  EXPECT_EQ(dump_yaml(c2), d1);
  EXPECT_EQ(c2.run.name, "x y");
  EXPECT_DOUBLE_EQ(c2.optim.lr, 0.1);
  EXPECT_DOUBLE_EQ(c2.model.rms_norm_eps, 1e-5);
  EXPECT_EQ(c2.optim.schedule, Schedule::Cosine);
  EXPECT_EQ(c2.rollout.stop, (std::vector<std::string>{"true", ""}));
  EXPECT_EQ(c2.rewards.plugins, std::vector<std::string>{"libx.so"});
  ASSERT_NE(c2.rewards.find("countdown"), nullptr);
  EXPECT_EQ(c2.rewards.find("countdown")->params.at("command"), (nlohmann::json{"python3", "r.py"}));
  EXPECT_DOUBLE_EQ(c2.rewards.find("accuracy")->weight, 2.0);
}

TEST(Config, UnknownKeyFromSetSuggestsTheRightOne) {
  auto p = problems_of({}, {"grpo.group_sise=4"});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("grpo.group_sise"), std::string::npos) << p[0];
  EXPECT_NE(p[0].find("did you mean 'grpo.group_size'"), std::string::npos) << p[0];
}

TEST(Config, UnknownKeyInFileNamesFileLineAndSuggestion) {
  auto f = write_tmp("d.yaml", "grpo:\n  group_size: 4\n  epsilon_hgh: 0.28\n");
  auto p = problems_of({f}, {});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("d.yaml:3:3"), std::string::npos) << p[0];
  EXPECT_NE(p[0].find("grpo.epsilon_hgh"), std::string::npos) << p[0];
  EXPECT_NE(p[0].find("grpo.epsilon_high"), std::string::npos) << p[0];
}

TEST(Config, UnknownSectionIsReportedWithSuggestion) {
  auto f = write_tmp("e.yaml", "grop:\n  group_size: 4\n");
  auto p = problems_of({f}, {});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("unknown section 'grop'"), std::string::npos) << p[0];
  EXPECT_NE(p[0].find("'grpo'"), std::string::npos) << p[0];
}

TEST(Config, WrongTypesNameKeyAndValue) {
  auto f = write_tmp("f.yaml", "grpo:\n  group_size: many\n  beta: [1]\nmodel:\n  tie_word_embeddings: maybe\n");
  auto p = problems_of({f}, {"optim.lr=fast", "grpo.loss_type=dapoo"});
  EXPECT_EQ(p.size(), 5u);
  EXPECT_TRUE(any_contains(p, "grpo.group_size='many': expected an integer"));
  EXPECT_TRUE(any_contains(p, "grpo.beta="));
  EXPECT_TRUE(any_contains(p, "model.tie_word_embeddings='maybe': expected true or false"));
  EXPECT_TRUE(any_contains(p, "--set optim.lr=fast: expected a number"));
  EXPECT_TRUE(any_contains(p, "did you mean 'dapo'"));
}

TEST(Config, OutOfRangeValuesAreAllReported) {
  auto p = problems_of({}, {"rollout.top_p=1.5", "rollout.temperature=-1", "train.keep_last=0"});
  EXPECT_EQ(p.size(), 3u);
  EXPECT_TRUE(any_contains(p, "rollout.top_p=1.5: out of range"));
  EXPECT_TRUE(any_contains(p, "rollout.temperature=-1: out of range, must be >= 0"));
  EXPECT_TRUE(any_contains(p, "train.keep_last=0"));
}

TEST(Config, MalformedYamlGivesFileLineColumn) {
  auto f = write_tmp("g.yaml", "grpo:\n  group_size: 4\n   beta: [0.1\n");
  auto p = problems_of({f}, {});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("g.yaml:"), std::string::npos) << p[0];
  EXPECT_NE(p[0].find("malformed YAML"), std::string::npos) << p[0];
}

TEST(Config, MissingFileIsNamed) {
  auto p = problems_of({"/nonexistent/x.yaml"}, {});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("/nonexistent/x.yaml"), std::string::npos);
}

TEST(Config, CrossFieldRules) {
  auto p = problems_of({}, {"model.hidden_size=130", "model.num_key_value_heads=3", "eval.k=4", "grpo.group_size=1"});
  EXPECT_TRUE(any_contains(p, "model.hidden_size=130: must be divisible by model.num_attention_heads=4"));
  EXPECT_TRUE(any_contains(p, "model.num_attention_heads=4: must be divisible by model.num_key_value_heads=3"));
  EXPECT_TRUE(any_contains(p, "eval.k=4: must be <= eval.samples=1"));
  EXPECT_TRUE(any_contains(p, "grpo.group_size=1"));
  auto f = problems_of({}, {"pretrain.forget_carry=0.5"});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_TRUE(any_contains(f, "forget_carry=0.5: needs pretrain.recheck_scope=work")) << f[0];
  EXPECT_EQ(load_config({}, {"pretrain.forget_carry=0.5", "pretrain.recheck_scope=work"}).pretrain.forget_carry, 0.5);
  EXPECT_TRUE(any_contains(problems_of({}, {"pretrain.recheck_scope=all"}), "recheck_scope"));
}

TEST(Config, SetWithoutEqualsOrSectionIsAnError) {
  auto p = problems_of({}, {"grpo.group_size", "seed=3"});
  EXPECT_EQ(p.size(), 2u);
  EXPECT_TRUE(any_contains(p, "expected dotted.key=value"));
  EXPECT_TRUE(any_contains(p, "did you mean 'run.seed'"));
}

TEST(Config, RewardWeightMustBeANumber) {
  auto p = problems_of({}, {"rewards.accuracy.weight=high"});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("rewards.accuracy.weight"), std::string::npos);
}

TEST(Config, ExtraChecksAddProblems) {
  auto extra = [](const Config& c, std::vector<std::string>& p) {
    for (auto& r : c.rewards.list)
      if (r.name != "accuracy") p.push_back("rewards." + r.name + ": unknown reward");
  };
  try {
    load_config({}, {"rewards.acuracy.weight=1"}, extra);
    FAIL();
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 1u);
    EXPECT_EQ(e.problems()[0], "rewards.acuracy: unknown reward");
  }
}

TEST(Config, ListNamesEveryKeyWithTypeAndComment) {
  std::string l = list_keys();
  EXPECT_NE(l.find("grpo.group_size\tint\t8\tcompletions per prompt (G)"), std::string::npos);
  EXPECT_NE(l.find("grpo.loss_type\tgrpo|bnpo|dr_grpo|dapo\tdapo\t"), std::string::npos);
  EXPECT_NE(l.find("rewards.<name>.weight"), std::string::npos);
  for (const char* k : {"run.seed", "model.num_key_value_heads", "data.template", "task.name", "pretrain.steps",
                        "rollout.top_p", "optim.lr", "train.save_every", "eval.samples", "dist.backend",
                        "log.progress", "bench.batch"})
    EXPECT_NE(l.find(std::string(k) + "\t"), std::string::npos) << k;
}

// Problems found after loading (ranges, cross-field rules) name where the value came from, one line per key.
TEST(Config, RangeProblemsNameTheFileLineOrSetThatGaveTheValue) {
  auto f = write_tmp("range.yaml", "run:\n  seed: 1\ngrpo:\n  group_size: 0\n  beta: 0.0\noptim:\n  lr: -1\n");
  auto p = problems_of({f}, {"eval.k=9"});
  ASSERT_EQ(p.size(), 3u) << ::testing::PrintToString(p);
  EXPECT_EQ(p[0], f + ":4:15: grpo.group_size=0: out of range, must be >= 2");
  EXPECT_EQ(p[1], f + ":7:7: optim.lr=-1: out of range, must be > 0");
  EXPECT_EQ(p[2], "--set eval.k=9: must be <= eval.samples=1");
  // The last writer is named: a --set that overrides the file.
  p = problems_of({f}, {"grpo.group_size=1", "optim.lr=0.1"});
  ASSERT_EQ(p.size(), 1u) << ::testing::PrintToString(p);
  EXPECT_EQ(p[0], "--set grpo.group_size=1: out of range, must be >= 2");
}
