#pragma once
// Equality of parsed answers by value: numbers with rounding to `precision` decimals, symbolic
// expressions through GiNaC and at random points (GiNaC does not simplify trigonometry),
// relations, sets (unordered), tuples and intervals (ordered), matrices. Never throws.
#include <map>
#include <optional>
#include <string>

#include "rewards/math_expr.h"

namespace zerorl {

struct CompareOptions {
  int precision = 6;  // numbers are equal when they agree after rounding to this many decimals
};

bool math_equal(const ExprPtr& predicted, const ExprPtr& gold, const CompareOptions& opts = {});

// Real value of a scalar expression with the symbols bound in env; NaN when undefined.
double eval_real(const Expr& e, const std::map<std::string, double>& env);

// GiNaC: true when a - b simplifies to 0; nullopt when GiNaC cannot tell (or the
// expression is outside what we hand to it, e.g. huge powers). Never throws.
std::optional<bool> ginac_equal(const Expr& a, const Expr& b);
// GiNaC: the constant c with a = c * b, when a / b simplifies to a number.
std::optional<double> ginac_ratio(const Expr& a, const Expr& b);

}  // namespace zerorl
