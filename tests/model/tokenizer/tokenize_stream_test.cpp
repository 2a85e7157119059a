// `zerorl tokenize`'s body: lines in, JSON arrays out.
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "core/error.h"
#include "model/tokenizer/tokenize_stream.h"

namespace zerorl {
namespace {

// ids: <eos> 0, then a 1, b 2, "\r" 3, " " 4, "\n" 5
const Tokenizer& tok() {
  static const Tokenizer t = Tokenizer::characters({"a", "b", "\r", " ", "\n"}, {"<eos>"}, "<eos>", "");
  return t;
}

std::string run(const std::string& input, bool json = false) {
  std::istringstream in(input);
  std::ostringstream out;
  tokenize_stream(tok(), in, out, json);
  return out.str();
}

TEST(TokenizeStream, OneArrayPerLineSplitOnNewlineOnly) {
  EXPECT_EQ(run("ab\n\nb a\r\n<eos>"), "[1,2]\n[]\n[2,4,1,3]\n[0]\n");
  EXPECT_EQ(run("a\n"), "[1]\n");
  EXPECT_EQ(run(""), "");
  EXPECT_EQ(run("\n"), "[]\n");
  EXPECT_EQ(run(" "), "[4]\n");
}

TEST(TokenizeStream, JsonInputLinesAreStrings) {
  EXPECT_EQ(run("\"a\\nb\"\n\"\"\n\n\"<eos>\"\n", true), "[1,5,2]\n[]\n[]\n[0]\n");
}

TEST(TokenizeStream, ErrorsNameTheLine) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"a\nb\n\xFF\n", "stdin:3: invalid UTF-8 at byte 1"},
      {"ab\xC3(\n", "stdin:1: invalid UTF-8 at byte 3"},
      {"a\nz\n", "stdin:2: tokenizer: no token for character U+007A 'z'"},
  };
  for (const auto& [input, expected] : bad) {
    try {
      run(input);
      ADD_FAILURE() << "no error for " << input;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  }
  for (const std::string input : {"\"a\"\n[1]\n", "\"a\"\n\"b\n", "\"a\"\n42\n"}) {
    try {
      run(input, true);
      ADD_FAILURE() << "no error for " << input;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("stdin:2: not a JSON string"), std::string::npos) << e.what();
    }
  }
}

TEST(TokenizeStream, LinesBeforeAnErrorAreWritten) {
  std::istringstream in("a\n\xFF\n");
  std::ostringstream out;
  EXPECT_THROW(tokenize_stream(tok(), in, out, false), InputError);
  EXPECT_EQ(out.str(), "[1]\n");
}

}  // namespace
}  // namespace zerorl
