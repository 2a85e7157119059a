// The Python report scripts the README tells users to run: scripts/recheck_stats.py and
// scripts/compare_runs.py, on small inputs whose figures are counted by hand below.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "tests/cli/run_process.h"

namespace zerorl::test {
namespace {

namespace fs = std::filesystem;

TEST(RecheckStats, CountsSlipsRechecksAndFixesByHand) {
  if (run_process({"python3", "-c", "pass"}).exit_code != 0) GTEST_SKIP() << "python3 not found";
  const Scratch scratch("scripts_recheck");
  const fs::path d = scratch.path();
  std::ofstream(d / "c.jsonl")
      // 3 columns, all right, strict correct.
      << R"({"prompt":"347+285=","completion":"<think>7+5=12,4+8+1=13,3+2+1=6</think><answer>632</answer>"})" "\n"
      // middle column slipped (14), re-checked and fixed (13): strict correct.
      << R"({"prompt":"347+285=","completion":"<think>7+5=12,4+8+1=14 wait 4+8+1=13,3+2+1=6</think><answer>632</answer>"})" "\n"
      // first column slipped (11), not re-checked; a right column re-checked (restated); answer outside tags.
      << R"({"prompt":"347+285=","completion":"7+5=11,4+8+1=13 wait 4+8+1=13,3+2+1=6 Answer: 631"})" "\n"
      // no scratchpad at all.
      << R"({"prompt":"100+200=","completion":"Answer: 300"})" "\n"
      // the aha base's style: a first pass without carries (every sum right as written), all redone after wait.
      << R"({"prompt":"347+285=","completion":"<think>7+5=12,4+8=12,3+2=5 wait 7+5=12,4+8+1=13,3+2+1=6</think><answer>632</answer>"})" "\n";
  ProcessResult r = run_process({"python3", source_dir() + "/scripts/recheck_stats.py", (d / "c.jsonl").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string last = r.out.substr(r.out.rfind('{'));
  auto j = nlohmann::json::parse(last);
  EXPECT_EQ(j["completions"], 5);
  EXPECT_DOUBLE_EQ(j["strict"].get<double>(), 0.6);
  EXPECT_DOUBLE_EQ(j["recheck_share"].get<double>(), 0.6);
  // The last line's columns as the pattern reads them: 7+5=12, 4+8=12, "3+2=5 wait 7+5=12" (a right column
  // followed by a wait), 4+8+1=13, 3+2+1=6: five, none slipped.
  EXPECT_EQ(j["columns"], 14);
  EXPECT_EQ(j["slipped"], 2);
  EXPECT_EQ(j["rechecked_slips"], 1);
  EXPECT_EQ(j["fixed"], 1);
  EXPECT_DOUBLE_EQ(j["wait_after_slip"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(j["wait_after_right"].get<double>(), 2.0 / 12);
  // Re-checked: lines 2 (right), 3 (wrong), 5 (right); not: lines 1 (right) and 4 (answer outside the tags).
  EXPECT_DOUBLE_EQ(j["strict_if_recheck"].get<double>(), 2.0 / 3);
  EXPECT_DOUBLE_EQ(j["strict_if_not"].get<double>(), 0.5);

  std::ofstream(d / "bad.jsonl") << R"({"prompt":"347+285="})" "\n";
  r = run_process({"python3", source_dir() + "/scripts/recheck_stats.py", (d / "bad.jsonl").string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("bad.jsonl:1:"), std::string::npos) << r.err;
}

TEST(CompareRuns, DrawsOnePngFromSeveralRunsAndSkipsMissingOnes) {
  if (run_process({"/usr/bin/python3", "-c", "import matplotlib"}).exit_code != 0) GTEST_SKIP() << "matplotlib missing";
  const Scratch scratch("scripts_compare");
  const fs::path d = scratch.path();
  for (const char* run : {"seed0", "seed1"}) {
    fs::create_directories(d / run);
    std::ofstream(d / run / "eval.jsonl")
        << R"({"step":0,"eval/pass@1":0.1,"eval/greedy":0.2,"eval/format":0.2,"eval/mean_length":30})" "\n"
        << R"({"step":10,"eval/pass@1":0.5,"eval/greedy":0.9,"eval/format":0.8,"eval/mean_length":29})" "\n";
  }
  const fs::path png = d / "cmp.png";
  ProcessResult r = run_process({"/usr/bin/python3", source_dir() + "/scripts/compare_runs.py", png.string(),
                                 (d / "seed0").string(), (d / "seed1").string(), (d / "missing").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("(2 runs, 4 panels)"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("missing"), std::string::npos) << r.err;
  std::ifstream f(png, std::ios::binary);
  char magic[4] = {};
  f.read(magic, 4);
  EXPECT_EQ(std::string(magic + 1, 3), "PNG");

  // A run with re-check shares in metrics.jsonl adds the fifth panel.
  std::ofstream(d / "seed1" / "metrics.jsonl") << R"({"step":1,"completions/recheck_ratio":0.1})" "\n"
                                                << R"({"step":2,"completions/recheck_ratio":0.3})" "\n";
  r = run_process({"/usr/bin/python3", source_dir() + "/scripts/compare_runs.py", png.string(), (d / "seed0").string(),
                   (d / "seed1").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("(2 runs, 5 panels)"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace zerorl::test
