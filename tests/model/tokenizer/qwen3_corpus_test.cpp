// The Qwen3 tokenizer against the reference ids of ../shared/data/tokenizers (made with Hugging Face
// tokenizers and @lenml/tokenizers, see the README there).
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/tokenizer/tokenizer.h"

namespace zerorl {
namespace {

const std::string kQwen3 = std::string(ZERORL_SHARED_DATA) + "/tokenizers/qwen3";

// Split on "\n" only, lines kept exactly (no trimming); a final "\n" ends the last line.
std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
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

class Qwen3 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { tok_ = new Tokenizer(Tokenizer::load(kQwen3)); }
  static void TearDownTestSuite() { delete tok_; }
  static Tokenizer* tok_;
};
Tokenizer* Qwen3::tok_ = nullptr;

TEST_F(Qwen3, CorpusIdsMatchReference) {
  const auto lines = read_lines(std::string(ZERORL_SHARED_DATA) + "/tokenizer_corpus.txt");
  const auto refs = read_lines(kQwen3 + "/corpus_ids.jsonl");
  ASSERT_EQ(lines.size(), 1981u);
  ASSERT_EQ(refs.size(), lines.size());
  int mismatches = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto expected = nlohmann::json::parse(refs[i]).get<std::vector<int32_t>>();
    const auto got = tok_->encode(lines[i]);
    if (got != expected && ++mismatches <= 10) {
      ADD_FAILURE() << "line " << i + 1 << ": " << lines[i] << "\n  expected " << nlohmann::json(expected)
                    << "\n  got      " << nlohmann::json(got);
    }
  }
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace zerorl
