// Security end to end through the zerorl binary (issue 9): nothing from a config or a completion runs
// through a shell; plugins load from configured paths only; external rewards run under their limits.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/cli/run_process.h"

using namespace zerorl::test;
namespace fs = std::filesystem;

// An external reward's command is an argv: a single element holding a shell command line is looked up as
// one (non-existent) program name, and shell syntax in arguments reaches the program verbatim.
TEST(Security, ExternalRewardCommandNeverGoesThroughAShell) {
  Scratch t("shell");
  const std::string marker = t / "marker";
  auto r = run_process({zerorl_bin(), "score", "--reward", "ext", "--set",
                        "rewards.ext.command=[\"sh -c 'touch " + marker + "'\"]"},
                       "{\"completion\": \"x\"}\n");
  expect_no_crash(r);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_TRUE(has(r.err, "rewards.ext.command: 'sh -c 'touch " + marker + "'' is not an executable file")) << r.err;
  // /bin/echo gets the metacharacters as plain arguments: it prints them (no valid reply: no score).
  auto e = run_process({zerorl_bin(), "score", "--reward", "ext", "--set",
                        "rewards.ext.command=[/bin/echo, \"$(touch " + marker + ")\", \";\", touch, " + marker + "]",
                        "--set", "rewards.ext.timeout_s=5"},
                       "{\"completion\": \"x\"}\n");
  expect_no_crash(e);
  EXPECT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(e.out, "{\"reward\":null,\"rewards\":{\"ext\":null}}\n");
  EXPECT_FALSE(fs::exists(marker));
}

// A plugin is loaded from the path in rewards.plugins only: a bare file name is not searched for on the
// dynamic loader's path (LD_LIBRARY_PATH, system directories).
TEST(Security, PluginWithABareNameIsNotSearchedOnTheLibraryPath) {
  auto r = run_process({zerorl_bin(), "score", "--reward", "accuracy", "--set", "rewards.plugins=[libm.so.6]"},
                       "{\"completion\": \"1\", \"gold\": \"1\"}\n");
  expect_no_crash(r);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_TRUE(has(r.err, "rewards.plugins: cannot load 'libm.so.6'")) << r.err;
  EXPECT_FALSE(has(r.err, "does not export")) << "libm.so.6 was found on the system library path: " << r.err;
}

// Completions are parsed as math, never run: shell and Python snippets score 0 and touch nothing.
TEST(Security, CompletionsAreNeverEvaluatedAsCode) {
  Scratch t("eval");
  const std::string m = t / "m";
  std::string rows;
  for (const std::string& snippet :
       {"$(touch " + m + "1)", "`touch " + m + "2`", "__import__('os').system('touch " + m + "3')",
        "eval(\\\"open('" + m + "4','w')\\\")", "system(\\\"touch " + m + "5\\\")"}) {
    rows += "{\"completion\": \"<think>x</think><answer>" + snippet + "</answer>\", \"gold\": \"3\", "
            "\"numbers\": [1, 2], \"target\": 3}\n";
  }
  auto r = run_process({zerorl_bin(), "score", "--reward", "accuracy,countdown"}, rows);
  expect_no_crash(r);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(count_lines(r.out), 5) << r.out;
  std::istringstream out(r.out);
  for (std::string line; std::getline(out, line);) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["rewards"]["accuracy"], 0.0) << line;
    EXPECT_NE(j["rewards"]["countdown"], 1.0) << line;
  }
  for (int i = 1; i <= 5; ++i) EXPECT_FALSE(fs::exists(m + std::to_string(i))) << i;
}

// An external reward program runs under the configured RLIMIT_AS and RLIMIT_CPU and gets its argv verbatim:
// the program reports what it sees as its scores. Past its memory limit it fails, and the batch has no score.
TEST(Security, ExternalRewardRunsUnderItsLimitsWithItsArgvVerbatim) {
  Scratch t("limits");
  write_file(t / "limits.py",
        "import json, resource, sys\n"
        "req = json.loads(sys.stdin.readline())\n"
        "mb = resource.getrlimit(resource.RLIMIT_AS)[0] // 2**20\n"
        "cpu = resource.getrlimit(resource.RLIMIT_CPU)[0]\n"
        "argv_ok = 1 if sys.argv[1:] == ['a b', '$(touch " + (t / "m") + ")'] else 0\n"
        "print(json.dumps({'scores': [mb, cpu, argv_ok][:len(req['items'])]}), flush=True)\n");
  auto r = run_process({zerorl_bin(), "score", "--reward", "limits", "--set",
                        "rewards.limits.command=[python3, " + (t / "limits.py") + ", \"a b\", \"$(touch " + (t / "m") + ")\"]",
                        "--set", "rewards.limits.memory_mb=256", "--set", "rewards.limits.cpu_s=7"},
                       "{\"completion\": \"x\"}\n{\"completion\": \"y\"}\n{\"completion\": \"z\"}\n", 60);
  expect_no_crash(r);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"reward\":256.0,\"rewards\":{\"limits\":256.0}}\n{\"reward\":7.0,\"rewards\":{\"limits\":7.0}}\n"
                   "{\"reward\":1.0,\"rewards\":{\"limits\":1.0}}\n") << r.err;
  EXPECT_FALSE(fs::exists(t / "m"));

  write_file(t / "greedy.py", "import sys\nsys.stdin.readline()\nb = bytearray(1 << 30)\nprint('{\"scores\": [1]}', flush=True)\n");
  auto g = run_process({zerorl_bin(), "score", "--reward", "greedy", "--set",
                        "rewards.greedy.command=[python3, " + (t / "greedy.py") + "]", "--set",
                        "rewards.greedy.memory_mb=256"},
                       "{\"completion\": \"x\"}\n", 60);
  expect_no_crash(g);
  EXPECT_EQ(g.exit_code, 0) << g.err;
  EXPECT_EQ(g.out, "{\"reward\":null,\"rewards\":{\"greedy\":null}}\n") << g.err;
  EXPECT_TRUE(has(g.err, "MemoryError")) << g.err;
}
