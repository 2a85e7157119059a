#include <gtest/gtest.h>

#include "core/text.h"

using namespace zerorl;

TEST(Text, EditDistance) {
  EXPECT_EQ(edit_distance("group_sise", "group_size"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(Text, DidYouMeanOnlyForCloseWords) {
  EXPECT_EQ(did_you_mean("acuracy", {"accuracy", "format"}), " (did you mean 'accuracy'?)");
  EXPECT_EQ(did_you_mean("zzzzzz", {"accuracy", "format"}), "");
}

TEST(Text, SplitKeepsEmptyPieces) {
  EXPECT_EQ(split("a..b", '.'), (std::vector<std::string>{"a", "", "b"}));
}

TEST(Text, Utf8Validation) {
  size_t bad = 99;
  EXPECT_TRUE(valid_utf8("h\xc3\xa9llo \xe4\xb8\xad \xf0\x9f\x94\xa5"));
  EXPECT_FALSE(valid_utf8("ab\xff", &bad));
  EXPECT_EQ(bad, 2u);
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(valid_utf8("\xe4\xb8"));          // truncated
}

TEST(Text, QuoteEscapesControlCharactersAndCuts) {
  EXPECT_EQ(quote("a\nb\x01"), "'a\\nb\\x01'");
  EXPECT_EQ(quote("abcdef", 3), "'abc...'");
}
