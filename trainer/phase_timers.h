#pragma once
// Wall time per named phase of a step (generate, reward, advantages, logprobs, update), summed when a
// phase runs more than once (dynamic sampling draws again), reported as timing/<phase>.
#include <map>
#include <string>
#include <utility>

#include "core/log.h"

namespace zerorl {

class PhaseTimers {
 public:
  template <class F>
  auto time(const std::string& phase, F&& f) -> decltype(f()) {
    struct Stop {
      PhaseTimers* t;
      const std::string& phase;
      double start;
      ~Stop() { t->seconds_[phase] += now_seconds() - start; }
    } stop{this, phase, now_seconds()};
    return f();
  }
  const std::map<std::string, double>& seconds() const { return seconds_; }
  void reset() { seconds_.clear(); }

 private:
  std::map<std::string, double> seconds_;
};

}  // namespace zerorl
