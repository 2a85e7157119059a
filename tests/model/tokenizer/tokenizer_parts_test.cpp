// The small parts: the byte-level alphabet, lossy UTF-8, the Oniguruma -> PCRE2 rewrite, the hash maps.
#include <string>

#include <gtest/gtest.h>

#include "model/tokenizer/byte_level.h"
#include "model/tokenizer/regex.h"
#include "model/tokenizer/utf8.h"
#include "model/tokenizer/vocab_map.h"

namespace zerorl {
namespace {

TEST(ByteLevel, GptTwoAlphabet) {
  EXPECT_EQ(byte_level_char(' '), 0x120u);   // Ġ
  EXPECT_EQ(byte_level_char('\n'), 0x10Au);  // Ċ
  EXPECT_EQ(byte_level_char(0), 0x100u);
  EXPECT_EQ(byte_level_char('A'), static_cast<uint32_t>('A'));
  EXPECT_EQ(byte_level_char(0xAD), 0x143u);  // the last of the 68 remapped bytes
  EXPECT_EQ(to_byte_level("Hi there\n"), "HiĠthereĊ");
}

TEST(ByteLevel, RoundTripsAllBytes) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  std::string back;
  ASSERT_TRUE(from_byte_level(to_byte_level(all), &back));
  EXPECT_EQ(back, all);
  EXPECT_FALSE(from_byte_level("a b", &back));  // ' ' itself is not in the alphabet
  EXPECT_FALSE(from_byte_level("€", &back));
}

TEST(Utf8, LossyReplacesMaximalInvalidSubsequences) {
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"abc", "abc"},
      {"a\xFF" "b", "a\xEF\xBF\xBD" "b"},
      {"\xE2\x82", "\xEF\xBF\xBD"},                     // truncated 3-byte sequence: one U+FFFD
      {"\xE2\x82" "a", "\xEF\xBF\xBD" "a"},
      {"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},  // surrogate: each byte
      {"\xF0\x9F\x94\xA5", "\xF0\x9F\x94\xA5"},         // 🔥
      {"\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"},         // overlong
  };
  for (const auto& [in, out] : rows) EXPECT_EQ(utf8_lossy(in), out);
}

TEST(Utf8, WhiteSpaceAndWordClasses) {
  EXPECT_TRUE(is_unicode_space(0x3000));
  EXPECT_TRUE(is_unicode_space(0x85));
  EXPECT_FALSE(is_unicode_space(0x180E));
  EXPECT_FALSE(is_unicode_space(0x200B));
  EXPECT_TRUE(is_word_char(U'é'));
  EXPECT_TRUE(is_word_char(U'٣'));
  EXPECT_TRUE(is_word_char('_'));
  EXPECT_FALSE(is_word_char('-'));
}

TEST(Regex, OnigurumaClassesRewritten) {
  EXPECT_EQ(onig_to_pcre2(R"(\s+(?!\S))"), R"([\t-\r\x{85}\p{Z}]+(?![^\t-\r\x{85}\p{Z}]))");
  EXPECT_EQ(onig_to_pcre2(R"([^\s\p{L}])"), R"([^\t-\r\x{85}\p{Z}\p{L}])");
  EXPECT_EQ(onig_to_pcre2(R"(\h\\s[]\s])"), R"([0-9a-fA-F]\\s[]\t-\r\x{85}\p{Z}])");
  EXPECT_EQ(onig_to_pcre2(R"(\p{N}{1,3})"), R"(\p{N}{1,3})");
}

TEST(Regex, FindAllSkipsEmptyMatches) {
  const Regex re("a*", "test");
  std::vector<std::pair<size_t, size_t>> got;
  re.find_all("baac a", [&](size_t b, size_t e) { got.emplace_back(b, e); });
  EXPECT_EQ(got, (std::vector<std::pair<size_t, size_t>>{{1, 3}, {5, 6}}));
}

TEST(VocabMap, InsertFindAndGrow) {
  VocabMap m;
  for (int i = 0; i < 5000; ++i) EXPECT_TRUE(m.insert("tok" + std::to_string(i), i));
  EXPECT_FALSE(m.insert("tok7", 99));
  EXPECT_EQ(m.find("tok7"), 7);
  EXPECT_EQ(m.find("tok4999"), 4999);
  EXPECT_EQ(m.find("tok5000"), -1);
  EXPECT_EQ(m.find(""), -1);
  const VocabMap copy = m;
  EXPECT_EQ(copy.find("tok123"), 123);
}

TEST(MergeMap, InsertFindOverwrite) {
  MergeMap m;
  for (int i = 0; i < 3000; ++i) m.insert(i, i + 1, MergeRule{i, 10000 + i});
  ASSERT_NE(m.find(5, 6), nullptr);
  EXPECT_EQ(m.find(5, 6)->new_id, 10005);
  EXPECT_EQ(m.find(6, 5), nullptr);
  m.insert(5, 6, MergeRule{1, 7});
  EXPECT_EQ(m.find(5, 6)->rank, 1);
  EXPECT_EQ(m.size(), 3000u);
}

}  // namespace
}  // namespace zerorl
