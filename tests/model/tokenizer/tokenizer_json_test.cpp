// Small hand-written tokenizer.json files: each feature of the format with expected ids worked out by
// hand, and malformed files that must fail with one line naming the file and the key.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/tokenizer/tokenizer.h"
#include "test_util.h"

namespace zerorl {
namespace {

using json = nlohmann::json;
using Ids = std::vector<int32_t>;

json base(json model) {
  return {{"version", "1.0"}, {"added_tokens", json::array()}, {"normalizer", nullptr},
          {"pre_tokenizer", nullptr}, {"post_processor", nullptr}, {"decoder", {{"type", "Fuse"}}},
          {"model", std::move(model)}};
}

json bpe(json vocab, json merges) {
  return {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"fuse_unk", false},
          {"byte_fallback", false}, {"ignore_merges", false}, {"vocab", std::move(vocab)},
          {"merges", std::move(merges)}};
}

json word_level(json vocab) { return {{"type", "WordLevel"}, {"vocab", std::move(vocab)}, {"unk_token", nullptr}}; }

json added(int id, const std::string& content, bool lstrip = false, bool rstrip = false, bool single_word = false,
           bool normalized = false, bool special = false) {
  return {{"id", id}, {"content", content}, {"single_word", single_word}, {"lstrip", lstrip},
          {"rstrip", rstrip}, {"normalized", normalized}, {"special", special}};
}

int counter = 0;

Tokenizer load_json(const json& j) {
  const std::string dir = test::fresh_dir("json_" + std::to_string(counter++));
  test::write_text(dir + "/tokenizer.json", j.dump());
  return Tokenizer::load(dir);
}

const json kAbcVocab = {{"a", 0}, {"b", 1}, {"c", 2}, {"ab", 3}, {"bc", 4}, {"abc", 5}};

TEST(Bpe, MergesAsStringsAndAsPairsAgree) {
  const Tokenizer s = load_json(base(bpe(kAbcVocab, {"a b", "ab c"})));
  // json::array, or nlohmann reads a list of string pairs as an object.
  const Tokenizer p = load_json(base(bpe(kAbcVocab, json::array({json::array({"a", "b"}), json::array({"ab", "c"})}))));
  EXPECT_EQ(s.encode("abc"), Ids{5});
  EXPECT_EQ(p.encode("abc"), Ids{5});
  EXPECT_EQ(s.encode("cab"), (Ids{2, 3}));
  EXPECT_EQ(p.encode("cab"), (Ids{2, 3}));
}

TEST(Bpe, LowerRankMergesFirst) {
  EXPECT_EQ(load_json(base(bpe(kAbcVocab, {"b c", "a b"}))).encode("abc"), (Ids{0, 4}));
  EXPECT_EQ(load_json(base(bpe(kAbcVocab, {"a b", "b c"}))).encode("abc"), (Ids{3, 2}));
}

TEST(Bpe, EqualPairsMergeLeftmostFirst) {
  const json vocab = {{"a", 0}, {"aa", 1}};
  EXPECT_EQ(load_json(base(bpe(vocab, {"a a"}))).encode("aaa"), (Ids{1, 0}));
  EXPECT_EQ(load_json(base(bpe(vocab, {"a a"}))).encode("aaaa"), (Ids{1, 1}));
}

TEST(Bpe, IgnoreMergesTakesWholeTokens) {
  json m = bpe(kAbcVocab, {"a b"});
  EXPECT_EQ(load_json(base(m)).encode("abc"), (Ids{3, 2}));
  m["ignore_merges"] = true;
  EXPECT_EQ(load_json(base(m)).encode("abc"), Ids{5});
  EXPECT_EQ(load_json(base(m)).encode("cab"), (Ids{2, 3}));  // not a token: merged as usual
}

TEST(Bpe, UnknownCharacterWithoutUnkIsAnInputError) {
  const Tokenizer t = load_json(base(bpe(kAbcVocab, json::array())));
  EXPECT_THROW(t.encode("abz"), InputError);
}

TEST(Bpe, UnknownCharactersUseUnkAndFuseUnk) {
  json vocab = kAbcVocab;
  vocab["<unk>"] = 6;
  json m = bpe(vocab, json::array());
  m["unk_token"] = "<unk>";
  EXPECT_EQ(load_json(base(m)).encode("azzb"), (Ids{0, 6, 6, 1}));
  m["fuse_unk"] = true;
  EXPECT_EQ(load_json(base(m)).encode("azzb"), (Ids{0, 6, 1}));
}

TEST(Bpe, ByteFallbackGivesByteTokens) {
  json vocab = kAbcVocab;
  vocab["<0xC3>"] = 6;
  vocab["<0xA9>"] = 7;
  json m = bpe(vocab, json::array());
  m["byte_fallback"] = true;
  EXPECT_EQ(load_json(base(m)).encode("aé"), (Ids{0, 6, 7}));
}

TEST(Decoder, FuseConcatenatesAndNullJoinsWithSpaces) {
  json j = base(bpe(kAbcVocab, json::array()));
  EXPECT_EQ(load_json(j).decode({0, 4, 2}), "abcc");
  j["decoder"] = nullptr;
  EXPECT_EQ(load_json(j).decode({0, 4, 2}), "a bc c");
}

// Split with the literal pattern "-" on "a-b--c", every behavior; WordLevel shows the pieces.
struct SplitCase {
  std::string behavior;
  bool invert;
  Ids ids;
};

TEST(PreTokenizer, SplitBehaviors) {
  const json vocab = {{"a", 0}, {"b", 1}, {"c", 2}, {"-", 3}, {"--", 4}, {"a-", 5}, {"b-", 6}, {"-b", 8},
                      {"-c", 10}};
  const std::vector<SplitCase> cases = {
      {"Removed", false, {0, 1, 2}},
      {"Isolated", false, {0, 3, 1, 3, 3, 2}},
      {"MergedWithPrevious", false, {5, 6, 3, 2}},
      {"MergedWithNext", false, {0, 8, 3, 10}},
      {"Contiguous", false, {0, 3, 1, 4, 2}},
      {"Removed", true, {3, 3, 3}},
      {"Isolated", true, {0, 3, 1, 3, 3, 2}},
  };
  for (const auto& c : cases) {
    json j = base(word_level(vocab));
    j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", c.behavior},
                          {"invert", c.invert}};
    EXPECT_EQ(load_json(j).encode("a-b--c"), c.ids) << c.behavior << " invert " << c.invert;
  }
}

TEST(PreTokenizer, SplitRegexUsesUnicodeClasses) {
  // \p{L}+ isolated: letters of any script form one piece; the gaps between are pieces too.
  const json vocab = {{"héllo", 0}, {"мир", 1}, {" ", 2}, {" 42", 3}};
  json j = base(word_level(vocab));
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "\\p{L}+"}}}, {"behavior", "Isolated"},
                        {"invert", false}};
  EXPECT_EQ(load_json(j).encode("héllo мир 42"), (Ids{0, 2, 1, 3}));
}

TEST(PreTokenizer, RegexSpaceIsUnicodeWhiteSpace) {
  // Oniguruma's \s (White_Space) takes NBSP and U+3000 but not U+180E or U+200B.
  const json vocab = {{"x", 0}, {"\xC2\xA0", 1}, {"\xE3\x80\x80", 2}, {"\xE1\xA0\x8E", 3}, {"\xE2\x80\x8B", 4}};
  json j = base(word_level(vocab));
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "\\s"}}}, {"behavior", "Removed"},
                        {"invert", false}};
  const Tokenizer t = load_json(j);
  EXPECT_EQ(t.encode("x\xC2\xA0x\xE3\x80\x80x"), (Ids{0, 0, 0}));
  EXPECT_THROW(t.encode("x\xE1\xA0\x8Ex"), InputError);  // "x\u180Ex" stays one piece, not in vocab
}

TEST(PreTokenizer, ByteLevelRegexAndPrefixSpace) {
  const json vocab = {{"ĠHello", 0}, {"Ġworld", 1}, {"Hello", 2}, {"Ġ", 3}, {"!", 4}};
  json j = base(word_level(vocab));
  j["decoder"] = {{"type", "ByteLevel"}};
  j["pre_tokenizer"] = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", true}};
  const Tokenizer with_prefix = load_json(j);
  EXPECT_EQ(with_prefix.encode("Hello world!"), (Ids{0, 1, 4}));
  EXPECT_EQ(with_prefix.decode({0, 1, 4}), " Hello world!");
  j["pre_tokenizer"]["add_prefix_space"] = false;
  EXPECT_EQ(load_json(j).encode("Hello world!"), (Ids{2, 1, 4}));
}

// The split patterns of Llama-3 (digits in runs of at most three) and DeepSeek-V3 (digits, then CJK runs,
// then words and punctuation) compile and cut as those models expect.
TEST(PreTokenizer, LlamaThreeAndDeepSeekPatterns) {
  const std::string llama3 =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  const json vocab = {{"123", 0}, {"45", 1}, {" apples", 2}, {"'LL", 3}, {"日本語", 4}, {"abc", 5}, {"4", 6}, {"5", 7}};
  json j = base(word_level(vocab));
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", llama3}}}, {"behavior", "Isolated"}, {"invert", false}};
  EXPECT_EQ(load_json(j).encode("12345 apples'LL"), (Ids{0, 1, 2, 3}));
  const std::string deepseek_words =
      "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| "
      "?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";
  j["pre_tokenizer"] = {
      {"type", "Sequence"},
      {"pretokenizers",
       {{{"type", "Split"}, {"pattern", {{"Regex", "\\p{N}{1,3}"}}}, {"behavior", "Isolated"}, {"invert", false}},
        {{"type", "Split"}, {"pattern", {{"Regex", "[一-龥\u3040-ゟ゠-ヿ]+"}}}, {"behavior", "Isolated"}, {"invert", false}},
        {{"type", "Split"}, {"pattern", {{"Regex", deepseek_words}}}, {"behavior", "Isolated"}, {"invert", false}}}}};
  EXPECT_EQ(load_json(j).encode("12345日本語abc"), (Ids{0, 1, 4, 5}));
}

TEST(PreTokenizer, Digits) {
  const json vocab = {{"a", 0}, {"1", 1}, {"2", 2}, {"12", 3}};
  json j = base(word_level(vocab));
  j["pre_tokenizer"] = {{"type", "Digits"}, {"individual_digits", true}};
  EXPECT_EQ(load_json(j).encode("a12"), (Ids{0, 1, 2}));
  j["pre_tokenizer"]["individual_digits"] = false;
  EXPECT_EQ(load_json(j).encode("a12"), (Ids{0, 3}));
}

TEST(PreTokenizer, SequenceAppliesStepsInOrder) {
  const json vocab = {{"a", 0}, {"1", 1}, {"2", 2}, {" ", 3}};
  json j = base(word_level(vocab));
  j["pre_tokenizer"] = {{"type", "Sequence"},
                        {"pretokenizers",
                         {{{"type", "Split"}, {"pattern", {{"String", " "}}}, {"behavior", "Isolated"}},
                          {{"type", "Digits"}, {"individual_digits", true}}}}};
  EXPECT_EQ(load_json(j).encode("a 12"), (Ids{0, 3, 1, 2}));
}

TEST(Normalizer, NfcComposesBeforeTheModel) {
  const json vocab = {{"\xC3\xA9", 0}, {"e", 1}, {"\xCC\x81", 2}};  // é, e, combining acute
  json j = base(bpe(vocab, json::array()));
  EXPECT_EQ(load_json(j).encode("e\xCC\x81"), (Ids{1, 2}));
  j["normalizer"] = {{"type", "NFC"}};
  EXPECT_EQ(load_json(j).encode("e\xCC\x81"), Ids{0});
  j["normalizer"] = {{"type", "Sequence"}, {"normalizers", {{{"type", "NFD"}}}}};
  EXPECT_EQ(load_json(j).encode("\xC3\xA9"), (Ids{1, 2}));
}

// Added tokens: WordLevel over whole segments, so the cut points show in the ids.
TEST(AddedTokens, LstripAndRstripSwallowSpaces) {
  const json vocab = {{"a", 0}, {"b", 1}, {"a  ", 2}, {"  b", 3}};
  json j = base(word_level(vocab));
  j["added_tokens"] = {added(10, "<x>")};
  EXPECT_EQ(load_json(j).encode("a  <x>  b"), (Ids{2, 10, 3}));
  j["added_tokens"] = {added(10, "<x>", true, true)};
  EXPECT_EQ(load_json(j).encode("a  <x>  b"), (Ids{0, 10, 1}));
}

TEST(AddedTokens, SingleWordOnlyOutsideWords) {
  const json vocab = {{"a<x> ", 0}, {"a", 1}};
  json j = base(word_level(vocab));
  j["added_tokens"] = {added(10, "<x>", false, false, true)};
  EXPECT_EQ(load_json(j).encode("a<x> <x>"), (Ids{0, 10}));
}

TEST(AddedTokens, LeftmostThenLongestMatch) {
  const json vocab = {{"bc", 0}, {"x", 1}};
  json j = base(word_level(vocab));
  j["added_tokens"] = {added(20, "ab"), added(21, "abc"), added(22, "xa")};
  const Tokenizer t = load_json(j);
  EXPECT_EQ(t.encode("abcab"), (Ids{21, 20}));
  EXPECT_EQ(t.encode("xabc"), (Ids{22, 0}));
}

TEST(AddedTokens, NormalizedTokensMatchTheNormalizedText) {
  const json vocab = {{"a", 0}};
  json j = base(word_level(vocab));
  j["normalizer"] = {{"type", "Lowercase"}};
  j["added_tokens"] = {added(10, "<X>", false, false, false, true), added(11, "<Y>", false, false, false, false)};
  const Tokenizer t = load_json(j);
  EXPECT_EQ(t.encode("<X>A<Y>"), (Ids{10, 0, 11}));
  EXPECT_EQ(t.encode("<x>"), Ids{10});
  EXPECT_THROW(t.encode("<y>"), InputError);  // not the raw text of <Y>, and "<y>" is not in vocab
}

TEST(AddedTokens, SkipSpecialDropsOnlySpecialOnes) {
  const json vocab = {{"a", 0}};
  json j = base(bpe(vocab, json::array()));
  j["added_tokens"] = {added(10, "<s>", false, false, false, false, true), added(11, "<t>")};
  const Tokenizer t = load_json(j);
  EXPECT_EQ(t.decode({10, 0, 11}), "<s>a<t>");
  EXPECT_EQ(t.decode({10, 0, 11}, true), "a<t>");
  EXPECT_TRUE(t.is_special(10));
  EXPECT_FALSE(t.is_special(11));
  EXPECT_EQ(t.vocab_size(), 12);
}

TEST(TokenizerConfig, EosAndPadAsStringsOrObjects) {
  const std::string dir = test::fresh_dir("config_forms");
  json j = base(bpe({{"a", 0}}, json::array()));
  j["added_tokens"] = {added(1, "</s>", false, false, false, false, true), added(2, "<pad>", false, false, false, false, true)};
  test::write_text(dir + "/tokenizer.json", j.dump());
  test::write_text(dir + "/tokenizer_config.json",
                   json{{"eos_token", {{"__type", "AddedToken"}, {"content", "</s>"}}}, {"pad_token", "<pad>"}}.dump());
  const Tokenizer t = Tokenizer::load(dir);
  EXPECT_EQ(t.eos_id(), 1);
  EXPECT_EQ(t.pad_id(), 2);
  test::write_text(dir + "/tokenizer_config.json", json{{"eos_token", nullptr}}.dump());
  EXPECT_EQ(Tokenizer::load(dir).eos_id(), -1);
  EXPECT_EQ(Tokenizer::load(dir).pad_id(), -1);
}

// Malformed files: InputError, one line, naming the file and what is wrong.
struct BadCase {
  std::string name;
  std::string text;      // tokenizer.json
  std::string expected;  // a part of the message
};

TEST(TokenizerJson, MalformedFilesNameFileAndKey) {
  const json good_model = bpe(kAbcVocab, {"a b"});
  auto with = [&](const char* key, json value) {
    json j = base(good_model);
    j[key] = std::move(value);
    return j.dump();
  };
  auto with_model = [&](const char* key, json value) {
    json m = good_model;
    m[key] = std::move(value);
    return base(m).dump();
  };
  const std::vector<BadCase> cases = {
      {"broken_json", R"({"model": {"type": "BPE",)", "invalid JSON"},
      {"not_object", "[1, 2]", "not a JSON object"},
      {"missing_model", R"({"version": "1.0"})", "key \"model\" is missing"},
      {"unknown_model", with("model", {{"type", "Unigram"}, {"vocab", json::array()}}), "model.type \"Unigram\" is not supported"},
      {"missing_model_type", with("model", {{"vocab", kAbcVocab}}), "model.type is missing"},
      {"vocab_not_object", with_model("vocab", json::array()), "model.vocab is missing or not an object"},
      {"negative_id", with_model("vocab", {{"a", -3}}), "model.vocab: token 'a'"},
      {"merge_unknown_left", with_model("merges", {"q b"}), "model.merges[0]: token 'q' is not in model.vocab"},
      {"merge_unknown_right", with_model("merges", {"a b", {"a", "zz"}}), "model.merges[1]: token 'zz' is not in model.vocab"},
      {"merge_result_unknown", with_model("merges", {"c a"}), "model.merges[0]: merged token 'ca' is not in model.vocab"},
      {"merge_bad_string", with_model("merges", {"abc"}), "model.merges[0] 'abc' is not two tokens"},
      {"merge_bad_type", with_model("merges", {42}), "model.merges[0] must be"},
      {"missing_merges", with_model("merges", nullptr), "model.merges is missing"},
      {"dropout", with_model("dropout", 0.1), "model.dropout other than null or 0 is not supported"},
      {"prefix", with_model("continuing_subword_prefix", "##"), "model.continuing_subword_prefix"},
      {"unk_not_in_vocab", with_model("unk_token", "<unk>"), "model.unk_token '<unk>' is not in model.vocab"},
      {"unknown_normalizer", with("normalizer", {{"type", "Replace"}}), "normalizer.type \"Replace\" is not supported"},
      {"unknown_pre_tokenizer", with("pre_tokenizer", {{"type", "Metaspace"}}), "pre_tokenizer.type \"Metaspace\" is not supported"},
      {"nested_pre_tokenizer",
       with("pre_tokenizer", {{"type", "Sequence"}, {"pretokenizers", {{{"type", "Digits"}}, {{"type", "Punctuation"}}}}}),
       "pre_tokenizer.pretokenizers[1].type \"Punctuation\" is not supported"},
      {"bad_regex", with("pre_tokenizer", {{"type", "Split"}, {"pattern", {{"Regex", "(ab"}}}, {"behavior", "Isolated"}}),
       "pre_tokenizer.pattern: cannot compile regex '(ab'"},
      {"bad_behavior", with("pre_tokenizer", {{"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", "Merged"}}),
       "pre_tokenizer.behavior \"Merged\" is not one of"},
      {"unknown_decoder", with("decoder", {{"type", "WordPiece"}}), "decoder.type \"WordPiece\" is not supported"},
      {"added_no_content", with("added_tokens", {{{"id", 9}}}), "added_tokens[0].content must be a non-empty string"},
      {"added_bad_id", with("added_tokens", {{{"id", "x"}, {"content", "<x>"}}}), "added_tokens[0].id must be"},
  };
  for (const auto& c : cases) {
    const std::string dir = test::fresh_dir("bad_" + c.name);
    const std::string file = dir + "/tokenizer.json";
    test::write_text(file, c.text);
    try {
      Tokenizer::load(dir);
      ADD_FAILURE() << c.name << ": no error";
    } catch (const InputError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(file), std::string::npos) << c.name << ": " << msg;
      EXPECT_NE(msg.find(c.expected), std::string::npos) << c.name << ": " << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << c.name << ": " << msg;
    }
  }
}

TEST(TokenizerJson, BadConfigNamesTheConfigFile) {
  const std::string dir = test::fresh_dir("bad_config");
  test::write_text(dir + "/tokenizer.json", base(bpe(kAbcVocab, json::array())).dump());
  for (const auto& [config, expected] : std::vector<std::pair<std::string, std::string>>{
           {R"({"eos_token": "<|im_end|>"})", "eos_token '<|im_end|>' is not a token"},
           {R"({"pad_token": 3})", "pad_token must be"},
           {R"({"eos_token": )", "invalid JSON"}}) {
    test::write_text(dir + "/tokenizer_config.json", config);
    try {
      Tokenizer::load(dir);
      ADD_FAILURE() << config << ": no error";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(dir + "/tokenizer_config.json"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  }
}

TEST(TokenizerJson, MissingFilesNameThePath) {
  const std::string dir = test::fresh_dir("empty");
  EXPECT_THROW(
      {
        try {
          Tokenizer::load(dir);
        } catch (const InputError& e) {
          EXPECT_NE(std::string(e.what()).find(dir + ": no tokenizer.json"), std::string::npos) << e.what();
          throw;
        }
      },
      InputError);
  EXPECT_THROW(Tokenizer::load(dir + "/nowhere"), InputError);
}

TEST(TokenizerJson, EmptyTokenizerThrowsRunError) {
  const Tokenizer t;
  EXPECT_TRUE(t.empty());
  EXPECT_THROW(t.encode("a"), RunError);
}

}  // namespace
}  // namespace zerorl
