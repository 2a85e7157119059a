// End-to-end checks of the command-line contract (DESIGN.md): exit codes, one-line errors, --help.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/cli/run_process.h"

using namespace zerorl::test;

namespace {
std::string tiny_debug() { return source_dir() + "/configs/tiny_debug.yaml"; }
}  // namespace

TEST(Cli, MisspelledSetKeyExitsTwoWithOneLineAndSuggestion) {
  auto r = run_process({zerorl_bin(), "train", "--config", tiny_debug(), "--set", "grpo.group_sise=4", "--dump-config"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("grpo.group_sise"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("grpo.group_size"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(Cli, DumpConfigPrintsYamlThatReloadsToTheSameConfig) {
  auto r = run_process({zerorl_bin(), "train", "--config", tiny_debug(), "--set", "optim.lr=3e-5", "--dump-config"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("lr: 3e-05"), std::string::npos) << r.out;
  std::string path = testing::TempDir() + "/dumped.yaml";
  FILE* f = fopen(path.c_str(), "w");
  fwrite(r.out.data(), 1, r.out.size(), f);
  fclose(f);
  auto r2 = run_process({zerorl_bin(), "train", "--config", path, "--dump-config"});
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  EXPECT_EQ(r2.out, r.out);
}

TEST(Cli, EveryProblemIsReportedAtOnceOneLineEach) {
  auto r = run_process({zerorl_bin(), "train", "--config", tiny_debug(), "--set", "rollout.top_p=2", "--set",
                        "optim.lr=-1", "--set", "bogus.key=1", "--dump-config"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(count_lines(r.err), 3) << r.err;
  EXPECT_NE(r.err.find("rollout.top_p"), std::string::npos);
  EXPECT_NE(r.err.find("optim.lr"), std::string::npos);
  EXPECT_NE(r.err.find("bogus.key"), std::string::npos);
}

TEST(Cli, UnknownCommandExitsTwo) {
  auto r = run_process({zerorl_bin(), "trian"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("did you mean 'train'"), std::string::npos) << r.err;
}

TEST(Cli, EveryCommandHasHelp) {
  for (const char* c : {"train", "eval", "generate", "score", "tokenize", "pretrain", "bench", "config"}) {
    auto r = run_process({zerorl_bin(), c, "--help"});
    EXPECT_EQ(r.exit_code, 0) << c << ": " << r.err;
    EXPECT_NE(r.out.find("--help"), std::string::npos) << c << ": " << r.out;
  }
}

TEST(Cli, UnknownOptionIsAUsageError) {
  auto r = run_process({zerorl_bin(), "train", "--config", tiny_debug(), "--frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
}

TEST(Cli, ConfigListIsTheKeyReference) {
  auto r = run_process({zerorl_bin(), "config", "--list"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("grpo.epsilon_high\tfloat\t0.2\t"), std::string::npos);
  EXPECT_NE(r.out.find("rewards.accuracy."), std::string::npos) << "reward parameters are listed";
}

namespace zerorl::test {
namespace {

// `zerorl bench train`: its last line is one JSON object with every figure, all positive.
TEST(Cli, BenchTrainReportsEveryFigureAsItsLastLine) {
  ProcessResult r = run_process({zerorl_bin(), "bench", "train", "--config", source_dir() + "/configs/tiny_debug.yaml",
                                 "--set", "bench.repeats=1", "--set", "bench.train_batch=8", "--set", "bench.train_len=16"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string last = r.out.substr(r.out.rfind('{'));
  auto j = nlohmann::json::parse(last);
  for (const char* key : {"tokens_per_s", "step_s", "forward_s", "backward_s", "model_gflop_per_s", "grpo_update_s",
                          "grpo_update_tokens_per_s"})
    EXPECT_GT(j.at(key).get<double>(), 0.0) << key;
  EXPECT_EQ(j["train_batch"], 8);
  EXPECT_NE(r.err.find("GRPO update"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace zerorl::test
