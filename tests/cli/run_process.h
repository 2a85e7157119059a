#pragma once
// Runs a program (argv, no shell) with optional stdin and a timeout, capturing stdout and stderr.
#include <string>
#include <vector>

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

}  // namespace zerorl::test
