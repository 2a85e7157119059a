// The tiny models' character tokenizer: ids, round trips, save -> load, and the saved files being the
// Hugging Face format (structure checked here and by scripts/check_hf_tokenizer.py).
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/tokenizer/tokenizer.h"
#include "test_util.h"

namespace zerorl {
namespace {

using Ids = std::vector<int32_t>;

const std::vector<std::string> kSymbols = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "+", "=", " ", "\n", "é", "→"};
const std::vector<std::string> kSpecial = {"<pad>", "<eos>", "<think>", "</think>", "<answer>", "</answer>"};

Tokenizer make() { return Tokenizer::characters(kSymbols, kSpecial, "<eos>", "<pad>"); }

TEST(CharTokenizer, SpecialTokensFirstThenSymbols) {
  const Tokenizer t = make();
  EXPECT_EQ(t.vocab_size(), 22);
  EXPECT_EQ(t.pad_id(), 0);
  EXPECT_EQ(t.eos_id(), 1);
  EXPECT_EQ(t.token_to_id("<think>"), 2);
  EXPECT_EQ(t.token_to_id("0"), 6);
  EXPECT_EQ(t.token_to_id("→"), 21);
  EXPECT_EQ(t.id_to_token(16), "+");
}

TEST(CharTokenizer, EachCharacterAndSpecialTokenIsOneToken) {
  const Tokenizer t = make();
  // "<think>" 2, "3" 9, "4" 10, "7" 13, "+" 16, "=" 17, "</think>" 3, "\n" 19, "é" 20, "<eos>" 1
  EXPECT_EQ(t.encode("<think>34+7=</think>\né<eos>"), (Ids{2, 9, 10, 16, 13, 17, 3, 19, 20, 1}));
}

TEST(CharTokenizer, RoundTrip) {
  const Tokenizer t = make();
  for (const std::string text : {"347+285=632", "<think> 1+1=2 </think> <answer>2</answer><eos>", "é→é\n\n", ""}) {
    EXPECT_EQ(t.decode(t.encode(text)), text);
  }
  EXPECT_EQ(t.decode(t.encode("<answer>5</answer><eos><pad>"), true), "<answer>5</answer>");
}

TEST(CharTokenizer, UnknownCharacterIsAnInputErrorNamingIt) {
  try {
    make().encode("12x");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("U+0078 'x'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make().encode("<thinking>"), InputError);  // '<' is no symbol and "<thinking>" no token
}

TEST(CharTokenizer, BadArgumentsAreInputErrors) {
  EXPECT_THROW(Tokenizer::characters({"ab"}, {}, "", ""), InputError);
  EXPECT_THROW(Tokenizer::characters({"a", "a"}, {}, "", ""), InputError);
  EXPECT_THROW(Tokenizer::characters({"a"}, {"<s>", "<s>"}, "", ""), InputError);
  EXPECT_THROW(Tokenizer::characters({"a"}, {"<s>"}, "<eos>", ""), InputError);
  EXPECT_THROW(Tokenizer::characters({"\xFF"}, {}, "", ""), InputError);
  EXPECT_THROW(Tokenizer::characters({""}, {}, "", ""), InputError);
  const Tokenizer none = Tokenizer::characters({"a"}, {}, "", "");
  EXPECT_EQ(none.eos_id(), -1);
  EXPECT_EQ(none.pad_id(), -1);
}

TEST(CharTokenizer, SaveThenLoadGivesSameIds) {
  const Tokenizer t = make();
  const std::string dir = test::fresh_dir("char_save");
  t.save(dir);
  const Tokenizer u = Tokenizer::load(dir);
  const std::string text = "<think>12+34=46</think> <answer>46</answer><eos>";
  EXPECT_EQ(u.encode(text), t.encode(text));
  EXPECT_EQ(u.vocab_size(), t.vocab_size());
  EXPECT_EQ(u.eos_id(), 1);
  EXPECT_EQ(u.pad_id(), 0);
  for (int32_t id = 0; id < t.vocab_size(); ++id) EXPECT_EQ(u.id_to_token(id), t.id_to_token(id));
  // Saving the loaded one writes the same bytes again.
  const std::string dir2 = test::fresh_dir("char_save2");
  u.save(dir2);
  EXPECT_EQ(test::read_text(dir2 + "/tokenizer.json"), test::read_text(dir + "/tokenizer.json"));
}

TEST(CharTokenizer, LoadsFromTheFileItselfWithItsConfig) {
  const std::string dir = test::fresh_dir("char_file");
  make().save(dir);
  const Tokenizer u = Tokenizer::load(dir + "/tokenizer.json");
  EXPECT_EQ(u.encode("1+2"), (Ids{7, 16, 8}));
  EXPECT_EQ(u.eos_id(), 1);  // tokenizer_config.json beside the file is read too
}

TEST(CharTokenizer, SavedFileHasHuggingFaceStructure) {
  const std::string dir = test::fresh_dir("char_structure");
  make().save(dir);
  const auto j = nlohmann::json::parse(test::read_text(dir + "/tokenizer.json"));
  for (const char* key : {"version", "truncation", "padding", "added_tokens", "normalizer", "pre_tokenizer",
                          "post_processor", "decoder", "model"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["model"]["type"], "BPE");
  EXPECT_TRUE(j["model"]["merges"].is_array());
  EXPECT_TRUE(j["model"]["merges"].empty());
  EXPECT_EQ(j["model"]["vocab"].size(), 22u);
  EXPECT_EQ(j["model"]["vocab"]["é"], 20);
  EXPECT_EQ(j["model"]["vocab"]["<eos>"], 1);
  EXPECT_EQ(j["decoder"]["type"], "Fuse");
  ASSERT_EQ(j["added_tokens"].size(), 6u);
  EXPECT_EQ(j["added_tokens"][1], (nlohmann::json{{"id", 1}, {"content", "<eos>"}, {"single_word", false},
                                                  {"lstrip", false}, {"rstrip", false}, {"normalized", false},
                                                  {"special", true}}));
  EXPECT_EQ(j["added_tokens"][2]["special"], false);  // <think> stays in decode(skip_special), as in Qwen3
  const auto c = nlohmann::json::parse(test::read_text(dir + "/tokenizer_config.json"));
  EXPECT_EQ(c["eos_token"], "<eos>");
  EXPECT_EQ(c["pad_token"], "<pad>");
  EXPECT_EQ(c["tokenizer_class"], "PreTrainedTokenizerFast");
  EXPECT_EQ(c["added_tokens_decoder"]["2"]["content"], "<think>");
}

// Runs scripts/check_hf_tokenizer.py; returns its stdout, or skips when python3 is missing.
std::string run_checker(const std::string& args, int* rc) {
  const std::string cmd = "python3 " + std::string(ZERORL_SOURCE_DIR) + "/scripts/check_hf_tokenizer.py " + args;
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  *rc = pclose(p);
  return out;
}

TEST(CharTokenizer, PythonCheckerAcceptsAndEncodesTheSame) {
  if (std::system("python3 -c '' 2>/dev/null") != 0) GTEST_SKIP() << "python3 not found";
  const std::string dir = test::fresh_dir("char_python");
  const Tokenizer t = make();
  t.save(dir);
  int rc = -1;
  const std::string out = run_checker(dir + " --encode '<think>9+9=18</think>' --encode 'é→ 0<eos>'", &rc);
  EXPECT_EQ(rc, 0) << out;
  const auto lines = test::split_lines(out);
  ASSERT_EQ(lines.size(), 3u) << out;
  EXPECT_EQ(nlohmann::json::parse(lines[0]).get<Ids>(), t.encode("<think>9+9=18</think>"));
  EXPECT_EQ(nlohmann::json::parse(lines[1]).get<Ids>(), t.encode("é→ 0<eos>"));
  EXPECT_EQ(lines[2], "ok");
}

TEST(CharTokenizer, PythonCheckerRejectsABrokenFile) {
  if (std::system("python3 -c '' 2>/dev/null") != 0) GTEST_SKIP() << "python3 not found";
  const std::string dir = test::fresh_dir("char_python_bad");
  test::write_text(dir + "/tokenizer.json", R"({"version": "1.0", "model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}})");
  int rc = -1;
  const std::string out = run_checker(dir, &rc);
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find("model.merges[0]: 'b' not in model.vocab"), std::string::npos) << out;
  EXPECT_NE(out.find("key 'added_tokens' missing"), std::string::npos) << out;
}

}  // namespace
}  // namespace zerorl
