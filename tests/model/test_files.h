#pragma once
// Scratch folders for the model tests (whole-file reads and writes: tests/test_files.h).
#include <unistd.h>

#include <filesystem>
#include <string>

#include "tests/test_files.h"  // slurp, lines_of, write_file

namespace zerorl::test {

// An empty folder <tmp>/zerorl_<suite>_<pid>/<name>, removed first if left by an earlier run.
inline std::filesystem::path fresh_dir(const std::string& suite, const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("zerorl_" + suite + "_" + std::to_string(::getpid())) / name;
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

}  // namespace zerorl::test
