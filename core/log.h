#pragma once
// Console output: everything here goes to stderr (stdout carries only payloads).
// In a multi-process run only rank 0 prints info lines (set_log_rank).
#include <string>

namespace zerorl {

void set_log_rank(int rank);   // ranks other than 0 print warnings and errors only
void log_info(const std::string& msg);
void log_warn(const std::string& msg);   // "warning: msg"
void log_error(const std::string& msg);  // "error: msg"
void log_rank_line(const std::string& msg);  // printed by every rank (multi-process start and end lines)

// A progress line for long work: "[step 12/150] 00:31 eta 05:12 | reward 0.81 ...".
// Rewritten in place when stderr is a terminal, one line per update otherwise.
class Progress {
 public:
  Progress(std::string label, long total);
  void update(long done, const std::string& metrics);
  void finish();

 private:
  std::string label_;
  long total_;
  double start_;
  bool tty_;
  bool open_line_ = false;
};

double now_seconds();  // monotonic clock
std::string format_duration(double seconds);  // "1:05" or "1:02:05"

}  // namespace zerorl
