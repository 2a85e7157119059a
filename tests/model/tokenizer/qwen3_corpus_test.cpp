// The Qwen3 tokenizer against the reference ids of ../shared/data/tokenizers (made with Hugging Face
// tokenizers and @lenml/tokenizers, see the README there).
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/tokenizer/tokenizer.h"
#include "test_util.h"

namespace zerorl {
namespace {

using test::read_text;
using test::split_lines;

const std::string kQwen3 = std::string(ZERORL_SHARED_DATA) + "/tokenizers/qwen3";

class Qwen3 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tok_ = new Tokenizer(Tokenizer::load(kQwen3));
    lines_ = new std::vector<std::string>(split_lines(read_text(std::string(ZERORL_SHARED_DATA) + "/tokenizer_corpus.txt")));
  }
  static void TearDownTestSuite() {
    delete tok_;
    delete lines_;
  }
  static Tokenizer* tok_;
  static std::vector<std::string>* lines_;
};
Tokenizer* Qwen3::tok_ = nullptr;
std::vector<std::string>* Qwen3::lines_ = nullptr;

TEST_F(Qwen3, CorpusIdsMatchReference) {
  const auto refs = split_lines(read_text(kQwen3 + "/corpus_ids.jsonl"));
  ASSERT_EQ(lines_->size(), 1981u);
  ASSERT_EQ(refs.size(), lines_->size());
  int mismatches = 0;
  size_t total = 0;
  for (size_t i = 0; i < lines_->size(); ++i) {
    const auto expected = nlohmann::json::parse(refs[i]).get<std::vector<int32_t>>();
    const auto got = tok_->encode((*lines_)[i]);
    total += got.size();
    if (got != expected && ++mismatches <= 10) {
      ADD_FAILURE() << "line " << i + 1 << ": " << (*lines_)[i] << "\n  expected " << nlohmann::json(expected)
                    << "\n  got      " << nlohmann::json(got);
    }
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_EQ(total, 94791u);  // the README's corpus total
}

TEST_F(Qwen3, DecodeGivesNfcOfEachLine) {
  // NFC forms computed by Python's unicodedata (scripts/make_tokenizer_nfc_fixture.py), for the lines
  // that NFC changes; every other line must come back exactly.
  std::map<size_t, std::string> nfc;
  for (const auto& row : split_lines(read_text(std::string(ZERORL_SOURCE_DIR) + "/tests/model/tokenizer/data/corpus_nfc.jsonl"))) {
    const auto j = nlohmann::json::parse(row);
    nfc[j["line"].get<size_t>()] = j["nfc"].get<std::string>();
  }
  ASSERT_EQ(nfc.size(), 10u);
  for (size_t i = 0; i < lines_->size(); ++i) {
    const auto it = nfc.find(i + 1);
    const std::string& expected = it == nfc.end() ? (*lines_)[i] : it->second;
    EXPECT_EQ(tok_->decode(tok_->encode((*lines_)[i])), expected) << "line " << i + 1;
  }
}

TEST_F(Qwen3, SanityValuesFromReadme) {
  const std::vector<std::pair<std::string, std::vector<int32_t>>> rows = {
      {"Hello world", {9707, 1879}},
      {"12345678", {16, 17, 18, 19, 20, 21, 22, 23}},
      {"a\n\nb", {64, 271, 65}},
      {"<think>", {151667}},
      {" <think> ", {220, 151667, 220}},
  };
  for (const auto& [text, ids] : rows) EXPECT_EQ(tok_->encode(text), ids) << text;
}

TEST_F(Qwen3, EmptyTextGivesNoIds) { EXPECT_TRUE(tok_->encode("").empty()); }

TEST_F(Qwen3, VocabularyAndConfigTokens) {
  EXPECT_EQ(tok_->vocab_size(), 151669);
  EXPECT_EQ(tok_->eos_id(), 151645);  // tokenizer_config.json: eos_token <|im_end|>
  EXPECT_EQ(tok_->pad_id(), 151643);  // pad_token <|endoftext|>
  EXPECT_EQ(tok_->token_to_id("<think>"), 151667);
  EXPECT_EQ(tok_->token_to_id("</think>"), 151668);
  EXPECT_EQ(tok_->token_to_id("Hello"), 9707);
  EXPECT_EQ(tok_->token_to_id("Ġworld"), 1879);
  EXPECT_EQ(tok_->token_to_id("no such token"), -1);
  EXPECT_EQ(tok_->id_to_token(1879), "Ġworld");
  EXPECT_EQ(tok_->id_to_token(151644), "<|im_start|>");
  EXPECT_EQ(tok_->id_to_token(-1), "");
  EXPECT_EQ(tok_->id_to_token(151669), "");
}

TEST_F(Qwen3, TokenBytesAreRawBytes) {
  EXPECT_EQ(tok_->decode_token_bytes(1879), " world");
  EXPECT_EQ(tok_->decode_token_bytes(271), "\n\n");
  EXPECT_EQ(tok_->decode_token_bytes(151667), "<think>");
  // "é" is two bytes, C3 A9; each byte alone is the token of its GPT-2 character (Ã = C3, © = A9).
  const int32_t c3 = tok_->token_to_id("Ã"), a9 = tok_->token_to_id("©");
  ASSERT_GE(c3, 0);
  ASSERT_GE(a9, 0);
  EXPECT_EQ(tok_->decode_token_bytes(c3), "\xC3");
  EXPECT_EQ(tok_->decode({c3, a9}), "é");
  EXPECT_EQ(tok_->decode({c3}), "\xEF\xBF\xBD");  // a lone lead byte decodes to U+FFFD
  EXPECT_EQ(tok_->decode_token_bytes(999999), "");
}

TEST_F(Qwen3, DecodeSkipsSpecialTokensOnRequest) {
  const auto ids = tok_->encode("<|im_start|>user\nhi<|im_end|><think>x</think>");
  EXPECT_EQ(tok_->decode(ids), "<|im_start|>user\nhi<|im_end|><think>x</think>");
  // <think> and </think> are added tokens with special: false, so they stay.
  EXPECT_EQ(tok_->decode(ids, true), "user\nhi<think>x</think>");
}

TEST_F(Qwen3, DecodeSkipsUnknownIds) {
  EXPECT_EQ(tok_->decode({9707, -5, 151700, 1879}), "Hello world");
}

TEST_F(Qwen3, InvalidUtf8IsAnInputError) {
  for (const std::string& bad : {std::string("ab\xFF"), std::string("\xC3"), std::string("x\xED\xA0\x80y"),
                                std::string("\xF4\x90\x80\x80"), std::string("<think>\xC0\xAF")}) {
    EXPECT_THROW(tok_->encode(bad), InputError) << bad;
  }
}

TEST_F(Qwen3, SaveWritesTheSameFilesBack) {
  const std::string dir = test::fresh_dir("qwen3_save");
  tok_->save(dir);
  EXPECT_EQ(read_text(dir + "/tokenizer.json"), read_text(kQwen3 + "/tokenizer.json"));
  EXPECT_EQ(read_text(dir + "/tokenizer_config.json"), read_text(kQwen3 + "/tokenizer_config.json"));
}

TEST_F(Qwen3, ThreadsSharingATokenizerGiveTheSameIds) {
  std::vector<std::vector<int32_t>> expected;
  for (const auto& line : *lines_) expected.push_back(tok_->encode(line));
  const Tokenizer shared = Tokenizer::load(kQwen3);  // its piece cache starts empty
  std::vector<int> wrong(2, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (size_t k = 0; k < lines_->size(); ++k) {
        const size_t i = t == 0 ? k : lines_->size() - 1 - k;  // opposite orders, so both fill the cache
        if (shared.encode((*lines_)[i]) != expected[i]) ++wrong[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong[0] + wrong[1], 0);
}

TEST_F(Qwen3, RandomTextsRoundTrip) {
  // Pieces chosen to meet at awkward boundaries: spaces before letters, digits, contractions, CJK,
  // emoji with modifiers, NBSP and U+3000, special tokens and their fragments. All are NFC-stable,
  // so decoding must give the text back exactly.
  const std::vector<std::string> pool = {
      "a", "Z", " ", "  ", "\t", "\n", "\r", "1", "23", "'s", "'LL", "日", "本", "🔥", "👍🏽", "\xC2\xA0",
      "\xE3\x80\x80", "<think>", "</think>", "<|im_end|>", "<|im", "<", "|", ">", "-", "\\", "é", "ß",
      "\xE2\x80\x8D", "٣", "x", "!!", "?\n"};
  std::mt19937 rng(12345);
  for (int n = 0; n < 3000; ++n) {
    std::string text;
    const int pieces = static_cast<int>(rng() % 30);
    for (int k = 0; k < pieces; ++k) text += pool[rng() % pool.size()];
    EXPECT_EQ(tok_->decode(tok_->encode(text)), text);
  }
}

TEST_F(Qwen3, RandomBytesNeverCrash) {
  std::mt19937 rng(777);
  int valid = 0;
  for (int n = 0; n < 3000; ++n) {
    std::string bytes(rng() % 40, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() % 4 == 0 ? 0x80 + rng() % 128 : rng() % 128);
    try {
      const auto ids = tok_->encode(bytes);
      ++valid;
      EXPECT_EQ(tok_->decode(ids), bytes);
    } catch (const InputError&) {
    }
  }
  EXPECT_GT(valid, 0);
}

TEST_F(Qwen3, CopiesShareTheTables) {
  const Tokenizer copy = *tok_;
  EXPECT_EQ(copy.encode(" <think> "), (std::vector<int32_t>{220, 151667, 220}));
}

}  // namespace
}  // namespace zerorl
