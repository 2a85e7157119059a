#pragma once
// Final-answer extraction from a completion and answer equivalence by value: the accuracy
// reward's internals, also used by the trainer's evaluation.
#include <optional>
#include <string>
#include <string_view>

#include "rewards/math_compare.h"
#include "rewards/math_expr.h"

namespace zerorl {

// The answer of a completion: the last <answer>...</answer> (its \boxed{} or its text), else the
// last \boxed{}, else the final number or expression. With require_tags only an answer inside
// the last <answer>...</answer> counts. nullopt when there is none (or it is empty).
// Math taken from LaTeX comes back between '$' so that its commas read as separators.
std::optional<std::string> extract_answer(std::string_view completion, bool require_tags);

// True when the predicted answer has the gold answer's value. The gold may be a bare answer,
// LaTeX, a GSM8K solution ending in "#### N" or a solution with \boxed{}. Never throws.
bool answers_equal(std::string_view predicted, std::string_view gold);
bool answers_equal(std::string_view predicted, std::string_view gold, const CompareOptions& opts);

// The parsed gold answer, or nullopt when it cannot be parsed (prose such as "forty two").
std::optional<ExprPtr> parse_gold(std::string_view gold);

// A gold answer parsed once and compared with many predictions.
struct GoldAnswer {
  ExprPtr expr;
  std::string text;  // the answer part of the gold ("72" of "... #### 72")
};
std::optional<GoldAnswer> prepare_gold(std::string_view gold);
bool matches_gold(std::string_view predicted, const GoldAnswer& gold, const CompareOptions& opts = {});
// The parsed predicted answer (an extract_answer result or a bare answer), or nullopt.
std::optional<ExprPtr> parse_answer(std::string_view answer);

}  // namespace zerorl
