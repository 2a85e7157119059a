#pragma once
// SIGINT / SIGTERM during training: the handler only records the signal; the trainer checks between
// phases, saves a checkpoint and returns 130 / 143. A second signal gets the default action (the user
// insists), which is safe because checkpoints are renamed into place only when complete.
namespace zerorl {

// Thrown by work abandoned because a stop signal arrived (caught by the code that installed StopSignals).
struct StopRequested {};

class StopSignals {
 public:
  StopSignals();   // installs the handlers
  ~StopSignals();  // restores the previous ones
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  static int received();  // 0, SIGINT or SIGTERM
  static int exit_code();  // 130 for SIGINT, 143 for SIGTERM, 0 for none
  static void clear();     // tests
};

}  // namespace zerorl
