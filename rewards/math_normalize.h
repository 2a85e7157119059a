#pragma once
// Rewrites of a parsed answer before comparison, following Math-Verify's conventions: the last
// right-hand side of a chain of equalities, "x = 4" as 4 when the left side is a name, a < x < b
// as an interval, a ± b as a set of both values, matrix arithmetic folded into one matrix.
#include <set>
#include <string>

#include "rewards/math_expr.h"

namespace zerorl {

ExprPtr normalize_answer(const ExprPtr& e);

bool has_op(const Expr& e, Op op);
void free_symbols(const Expr& e, std::set<std::string>& out);

}  // namespace zerorl
