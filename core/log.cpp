#include "core/log.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace zerorl {
namespace {
int g_rank = 0;
}

void set_log_rank(int rank) { g_rank = rank; }

void log_info(const std::string& msg) {
  if (g_rank != 0) return;
  std::fprintf(stderr, "%s\n", msg.c_str());
  std::fflush(stderr);
}
void log_rank_line(const std::string& msg) {
  std::fprintf(stderr, "%s\n", msg.c_str());
  std::fflush(stderr);
}
void log_warn(const std::string& msg) {
  std::fprintf(stderr, "warning: %s\n", msg.c_str());
  std::fflush(stderr);
}
void log_error(const std::string& msg) {
  std::fprintf(stderr, "error: %s\n", msg.c_str());
  std::fflush(stderr);
}

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::string format_duration(double s) {
  if (s < 0 || s != s) s = 0;
  long t = static_cast<long>(s + 0.5);
  char buf[32];
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}

Progress::Progress(std::string label, long total)
    : label_(std::move(label)), total_(total), start_(now_seconds()), tty_(isatty(STDERR_FILENO) != 0) {}

void Progress::update(long done, const std::string& metrics) {
  if (g_rank != 0) return;
  double el = now_seconds() - start_;
  double eta = done > 0 && total_ > done ? el / done * (total_ - done) : 0;
  std::string line = "[" + label_ + " " + std::to_string(done) + "/" + std::to_string(total_) + "] " +
                     format_duration(el) + " eta " + format_duration(eta) + (metrics.empty() ? "" : " | " + metrics);
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    open_line_ = true;
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

void Progress::finish() {
  if (open_line_) std::fprintf(stderr, "\n");
  open_line_ = false;
  std::fflush(stderr);
}

}  // namespace zerorl
