// Stop strings fed token by token: matches that span token boundaries, the earliest of several,
// and no match found twice or outside the new bytes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rollout/stop_strings.h"

namespace zerorl {
namespace {

struct StopCase {
  const char* name;
  std::vector<std::string> stops;
  std::vector<std::string> pieces;  // token texts, appended one by one
  int stop_piece;                    // index of the piece that completes the stop string; -1 = none
  size_t stop_at;                    // byte offset where the stop string starts
};

class StopStringsTable : public ::testing::TestWithParam<StopCase> {};

TEST_P(StopStringsTable, StopsOnThePieceThatCompletesTheMatch) {
  const StopCase& c = GetParam();
  StopStrings stops(c.stops);
  std::string text;
  int found_piece = -1;
  size_t found_at = std::string::npos;
  for (size_t i = 0; i < c.pieces.size(); ++i) {
    const size_t old = text.size();
    text += c.pieces[i];
    const size_t at = stops.find(text, old);
    if (at != std::string::npos) {
      found_piece = static_cast<int>(i);
      found_at = at;
      break;
    }
  }
  EXPECT_EQ(found_piece, c.stop_piece);
  if (c.stop_piece >= 0) {
    EXPECT_EQ(found_at, c.stop_at);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, StopStringsTable,
    ::testing::Values(
        StopCase{"within_one_token", {"</answer>"}, {"42", "</answer>", "x"}, 1, 2},
        StopCase{"spans_three_tokens", {"</answer>"}, {"4", "2</an", "sw", "er> tail"}, 3, 2},
        StopCase{"byte_by_byte", {"ab"}, {"x", "a", "b"}, 2, 1},
        StopCase{"earliest_start_wins", {"cd", "bcde"}, {"a", "bcdef"}, 1, 1},
        StopCase{"first_completed_wins", {"abcd", "bc"}, {"a", "bc", "d"}, 1, 1},
        StopCase{"no_match", {"stop"}, {"st", "o", "x"}, -1, 0},
        StopCase{"partial_then_restart", {"aab"}, {"a", "a", "a", "b"}, 3, 1},
        StopCase{"empty_piece_ignored", {"ab"}, {"a", "", "b"}, 2, 0},
        StopCase{"utf8_bytes_split", {"\xC3\xA9!"}, {"caf\xC3", "\xA9", "!"}, 2, 3}),
    [](const ::testing::TestParamInfo<StopCase>& info) { return std::string(info.param.name); });

TEST(StopStrings, OnlySearchesMatchesEndingInNewBytes) {
  StopStrings stops({"ab"});
  // "ab" lies wholly in the bytes already searched (old_size 4): not reported again.
  EXPECT_EQ(stops.find("xabyz", 4), std::string::npos);
  EXPECT_EQ(stops.find("xaab", 3), 2u);
  EXPECT_EQ(stops.find("ab", 2), std::string::npos);  // nothing new
}

}  // namespace
}  // namespace zerorl
