// libFuzzer target for the answer parser: extraction, parsing, comparison (GiNaC included) and
// the Countdown expression parser on arbitrary bytes. The input is split at the first newline
// into a completion and a gold answer. Any crash, sanitizer report or hang is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rewards/countdown_reward.h"
#include "rewards/format_rewards.h"
#include "rewards/math_answer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  std::string_view completion = in.substr(0, nl);
  std::string_view gold = nl == std::string_view::npos ? std::string_view("42") : in.substr(nl + 1);
  using namespace zerorl;
  (void)parse_math(in);
  (void)parse_gold(gold);
  for (bool tags : {false, true}) {
    if (auto a = extract_answer(completion, tags)) (void)answers_equal(*a, gold);
  }
  (void)answers_equal(completion, gold);
  (void)eval_countdown_expression(completion);
  (void)countdown_score(in, {1, 2, 3}, 6, 0.1);
  (void)format_score(in, true);
  (void)format_score(in, false);
  return 0;
}
