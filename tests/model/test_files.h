#pragma once
// Scratch files for the model tests: a fresh folder per test and whole-file reads and writes.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace zerorl::test {

// An empty folder <tmp>/zerorl_<suite>_<pid>/<name>, removed first if left by an earlier run.
inline std::filesystem::path fresh_dir(const std::string& suite, const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("zerorl_" + suite + "_" + std::to_string(::getpid())) / name;
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

inline void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f << bytes;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

}  // namespace zerorl::test
