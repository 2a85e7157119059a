#pragma once
// A reward computed by an external program (any language) speaking JSON lines over
// stdin/stdout: per batch it reads {"reward": NAME, "items": [...]} and answers
// {"scores": [number or null, ...]}. Started once (fork/exec with argv, no shell) and kept
// alive; a crash, a timeout or a malformed reply gives the batch no score, a warning, and a
// restart for the next batch. Never hangs longer than the per-batch timeout.
#include <string>
#include <sys/types.h>
#include <vector>

#include "rewards/reward.h"
#include "rewards/reward_params.h"

namespace zerorl {

struct ExternalOptions {
  std::vector<std::string> command;  // argv; argv[0] is looked up on PATH unless it holds a '/'
  double timeout_s = 30;             // per batch, from request to reply
  int64_t cpu_s = 600;               // RLIMIT_CPU of the program (whole life); 0 = none
  int64_t memory_mb = 4096;          // RLIMIT_AS of the program; 0 = none
};

// The parameters of a reward with a `command` (command, timeout_s, cpu_s, memory_mb).
const std::vector<ParamSpec>& external_reward_params();

class ExternalReward final : public Reward {
 public:
  // Throws InputError when argv[0] cannot be found.
  ExternalReward(std::string name, ExternalOptions opts);
  ~ExternalReward() override;
  ExternalReward(const ExternalReward&) = delete;
  ExternalReward& operator=(const ExternalReward&) = delete;

  std::vector<Score> score(const std::vector<RewardInput>& batch) override;

  long failures() const { return failures_; }  // batches that got no score
  long starts() const { return starts_; }      // processes started (1 + restarts)

 private:
  bool start(std::string& error);
  void stop();
  std::vector<Score> fail(const std::string& why, size_t n);
  bool exchange(const std::string& request, std::string& reply, std::string& error);

  std::string name_;
  ExternalOptions opts_;
  std::string exe_;  // resolved argv[0]
  pid_t pid_ = -1;
  int fd_ = -1;      // our end of the socket pair (the program's stdin and stdout)
  long failures_ = 0;
  long starts_ = 0;
};

}  // namespace zerorl
