#pragma once
// Whole-file helpers shared by the test binaries (no LibTorch, no GoogleTest): read a file, its
// non-empty lines, and write one (creating missing parent folders).
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace zerorl::test {

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The non-empty lines of a file (a JSONL file's rows).
inline std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

inline void write_file(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace zerorl::test
