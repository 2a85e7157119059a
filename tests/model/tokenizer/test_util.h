#pragma once
// Helpers shared by the tokenizer tests.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace zerorl::test {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Split on "\n" only, lines kept exactly (no trimming); a final "\n" ends the last line.
inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A fresh empty folder under the build tree, for files a test writes.
inline std::string fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::path(ZERORL_BINARY_DIR) / "test_tmp" / "tokenizer" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace zerorl::test
