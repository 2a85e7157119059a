// zerorl score, called directly (the CLI binary needs LibTorch; this test does not).
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "core/error.h"

namespace zerorl {
namespace {

// Runs cmd_score with the given stdin; returns stdout.
std::string run_score(const std::vector<std::string>& args, const std::string& input, int* rc = nullptr) {
  std::istringstream in(input);
  std::ostringstream out;
  auto* old_in = std::cin.rdbuf(in.rdbuf());
  auto* old_out = std::cout.rdbuf(out.rdbuf());
  int code = -1;
  try {
    code = cmd_score(args);
  } catch (...) {
    std::cin.rdbuf(old_in);
    std::cout.rdbuf(old_out);
    throw;
  }
  std::cin.rdbuf(old_in);
  std::cout.rdbuf(old_out);
  if (rc) *rc = code;
  return out.str();
}

TEST(ScoreCommand, ScoresRowsFromStdin) {
  std::string input =
      "{\"completion\": \"<think>\\n2+2\\n</think>\\n<answer>\\n4\\n</answer>\", \"gold\": \"4\"}\n"
      "\n"
      "{\"completion\": \"<answer>5</answer>\", \"gold\": \"4\", \"extra\": [1, 2]}\n"
      "{\"completion\": \"4\", \"gold\": \"forty two\"}\n";
  int rc = -1;
  std::string out = run_score({"--reward", "accuracy,format"}, input, &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(out,
            "{\"reward\":2.0,\"rewards\":{\"accuracy\":1.0,\"format\":1.0}}\n"
            "{\"reward\":0.0,\"rewards\":{\"accuracy\":0.0,\"format\":0.0}}\n"
            "{\"reward\":0.0,\"rewards\":{\"accuracy\":null,\"format\":0.0}}\n");
}

TEST(ScoreCommand, WeightsParamsAndTaskFields) {
  std::string input =
      "{\"completion\": \"<think>x</think><answer>(3 - 2) * 1</answer>\", \"numbers\": [1, 2, 3], \"target\": 1}\n"
      "{\"completion\": \"<answer>1 + 2 + 3</answer>\", \"numbers\": [1, 2, 3], \"target\": 1}\n";
  std::string out = run_score({"--reward", "countdown", "--reward", "format", "--set", "rewards.countdown.weight=2",
                               "--set", "rewards.countdown.format_score=0.25", "--set", "rewards.format.newlines=false"},
                              input);
  EXPECT_EQ(out,
            "{\"reward\":3.0,\"rewards\":{\"countdown\":1.0,\"format\":1.0}}\n"
            "{\"reward\":0.5,\"rewards\":{\"countdown\":0.25,\"format\":0.0}}\n");
}

TEST(ScoreCommand, PrefilledPromptAndFinishReason) {
  std::string input =
      "{\"prompt\": \"Q\\nAssistant: <think>\", \"completion\": \"\\nr\\n</think>\\n<answer>\\n4\\n</answer>\", "
      "\"finish_reason\": \"length\", \"completion_tokens\": 9}\n";
  std::string out = run_score({"--reward=format,soft_overlong", "--set", "rewards.soft_overlong.max_len=10",
                               "--set", "rewards.soft_overlong.cache_len=2"},
                              input);
  EXPECT_EQ(out, "{\"reward\":0.5,\"rewards\":{\"format\":1.0,\"soft_overlong\":-0.5}}\n");
}

TEST(ScoreCommand, ReadsAFile) {
  std::string path = ZERORL_BINARY_DIR "/score_command_test_input.jsonl";
  std::ofstream(path) << "{\"completion\": \"\\\\boxed{\\\\frac{1}{2}}\", \"answer\": \"0.5\"}\n";
  EXPECT_EQ(run_score({"--reward", "accuracy", "--input", path}, ""), "{\"reward\":1.0,\"rewards\":{\"accuracy\":1.0}}\n");
}

TEST(ScoreCommand, MalformedRowNamesItsLine) {
  std::string input = "{\"completion\": \"a\"}\n{\"completion\": 3}\n";
  try {
    run_score({"--reward", "format"}, input);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "stdin:2: expected a string field \"completion\"");
  }
  EXPECT_THROW(run_score({"--reward", "format"}, "not json\n"), InputError);
  EXPECT_THROW(run_score({"--reward", "format"}, "[1]\n"), InputError);
  EXPECT_THROW(run_score({"--reward", "format"}, "{\"completion\": \"a\", \"finish_reason\": \"done\"}\n"), InputError);
  EXPECT_THROW(run_score({"--reward", "format"}, "{\"completion\": \"a\", \"completion_tokens\": -1}\n"), InputError);
  EXPECT_THROW(run_score({"--reward", "format"}, "{\"completion\": \"\xff\"}\n"), InputError);
}

TEST(ScoreCommand, UsageErrors) {
  EXPECT_THROW(run_score({}, ""), InputError);                                  // --reward missing
  EXPECT_THROW(run_score({"--reward", "acuracy"}, ""), ConfigError);           // unknown reward
  EXPECT_THROW(run_score({"--reward", "format", "--bogus"}, ""), InputError);  // unknown option
  EXPECT_THROW(run_score({"--reward", "format", "--set", "rewards.accuracy.require_tags=true"}, ""), InputError);
  EXPECT_THROW(run_score({"--reward", "format", "--input", "/no/such/file.jsonl"}, ""), InputError);
}

TEST(ScoreCommand, Help) {
  int rc = -1;
  std::string out = run_score({"--help"}, "", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("usage: zerorl score --reward NAME[,NAME]"), std::string::npos);
}

}  // namespace
}  // namespace zerorl
