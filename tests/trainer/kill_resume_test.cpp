// Kill -9 at random moments (checkpoint writes included), then --resume auto: the run always completes and
// its final weights equal an uninterrupted run's, bit for bit.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <random>
#include <thread>

#include "tests/trainer/trainer_test_util.h"
#include "trainer/checkpoint.h"

namespace zerorl {
namespace {

namespace fs = std::filesystem;
using namespace zerorl::test;

bool writing_checkpoint(const std::string& checkpoints) {
  std::error_code ec;
  if (!fs::is_directory(checkpoints, ec)) return false;
  for (auto& e : fs::directory_iterator(checkpoints, ec))
    if (e.path().filename().string().rfind(".tmp-step-", 0) == 0) return true;
  return false;
}

TEST(KillNine, RandomKillsThenResumeEqualUninterruptedRun) {
  TempDir t;
  const int steps = 80;  // more than a dozen short-lived attempts can finish
  auto args = [&](const std::string& dir) {
    return join({set("run.dir=" + dir), set("train.steps=" + std::to_string(steps)), set("train.save_every=1"),
                 set("train.keep_last=2"), set("train.eval_every=20"), set("optim.schedule=constant"),
                 {"--resume", "auto"}});
  };
  ASSERT_EQ(train(args(t / "ref"), t / "ref.txt"), 0) << slurp(t / "ref.txt");

  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> delay_ms(0, 900);  // start-up (~0.5 s) included
  int killed = 0, during_write = 0;
  for (int attempt = 0; attempt < 12; ++attempt) {
    std::vector<std::string> all = {"train", "--config", tiny_config()};
    auto q = quiet();
    all.insert(all.end(), q.begin(), q.end());
    auto a = args(t / "run");
    all.insert(all.end(), a.begin(), a.end());
    Child child(all, t / ("kill" + std::to_string(attempt) + ".txt"));
    // Even attempts: a random moment. Odd ones: the moment a checkpoint is being written.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms(rng));
    const bool at_write = attempt % 2 == 1;
    bool hit_write = false;
    for (int i = 0; i < 20000; ++i) {
      if (at_write ? (hit_write = writing_checkpoint(t / "run/checkpoints")) : std::chrono::steady_clock::now() >= deadline)
        break;
      if (::waitpid(child.pid(), nullptr, WNOHANG) != 0) break;  // finished (or died) before the moment came
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    if (::kill(child.pid(), SIGKILL) == 0) {
      ++killed;
      during_write += hit_write;
    }
    child.wait();
  }
  std::printf("kill -9: %d kills, %d inside a checkpoint write\n", killed, during_write);
  EXPECT_GE(killed, 10);
  EXPECT_GE(during_write, 1);  // at least one kill landed inside a checkpoint write
  ASSERT_EQ(train(args(t / "run"), t / "final.txt"), 0) << slurp(t / "final.txt");
  const std::string last = "/checkpoints/" + checkpoint_name(steps) + "/model.safetensors";
  const std::string a = slurp(t / ("ref" + last)), b = slurp(t / ("run" + last));
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a == b) << "final weights differ after kill -9 and resume";
}

}  // namespace
}  // namespace zerorl
