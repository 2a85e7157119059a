#pragma once
// Runs a program (argv, no shell) with optional stdin and a timeout, capturing stdout and stderr.
#include <string>
#include <vector>

#include "tests/test_files.h"  // slurp, lines_of, write_file

namespace zerorl::test {

struct ProcessResult {
  int exit_code = -1;   // exit status, or 128 + signal
  bool timed_out = false;
  std::string out, err;
};

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& stdin_text = "",
                          double timeout_s = 120, const std::vector<std::string>& env = {});

// Path of the zerorl binary under test and of the source tree.
std::string zerorl_bin();
std::string source_dir();
std::string shared_data();

// Number of lines of s (a final line without '\n' counts).
int count_lines(const std::string& s);

// True when s contains part.
bool has(const std::string& s, const std::string& part);

// The process ended by itself (no signal, no timeout) and printed no C++ crash: no uncaught exception,
// no LibTorch backtrace.
void expect_no_crash(const ProcessResult& r);

// A fresh directory <TempDir>/zerorl_<name>_<pid>, removed at the end of its scope.
class Scratch {
 public:
  explicit Scratch(const std::string& name);
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace zerorl::test
