#pragma once
// The TinyZero Countdown task: reach `target` with + - * / and parentheses, using each given
// number exactly once. Our own exact-arithmetic parser; never an eval.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace zerorl {

// 0 without an answer (no complete <answer>...</answer>, or one that is not an arithmetic
// expression); format_score when it parses but uses a number twice, a number not given, or
// does not equal the target (division by zero included); 1 when it uses each given number
// exactly once and equals the target.
double countdown_score(std::string_view completion, const std::vector<int64_t>& numbers, int64_t target,
                       double format_score);

// The value of an expression of integers, + - * / and parentheses, exactly, with the numbers
// it uses (as written). nullopt when it does not parse; *undefined is set on division by
// zero or overflow.
struct CountdownEval {
  double value = 0;
  bool undefined = false;
  std::vector<std::string_view> literals;
};
std::optional<CountdownEval> eval_countdown_expression(std::string_view expr);

}  // namespace zerorl
