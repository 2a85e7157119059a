#include "rewards/math_normalize.h"

#include <algorithm>
#include <optional>

namespace zerorl {

bool has_op(const Expr& e, Op op) {
  if (e.op == op) return true;
  for (auto& a : e.args)
    if (has_op(*a, op)) return true;
  return false;
}

void free_symbols(const Expr& e, std::set<std::string>& out) {
  if (e.op == Op::Sym) out.insert(e.text);
  for (auto& a : e.args) free_symbols(*a, out);
}

namespace {

constexpr size_t kMaxVariants = 8;

bool is_name_like(const Expr& e) {
  switch (e.op) {
    case Op::Sym: return true;
    case Op::Mul:
    case Op::Bracket:
    case Op::Abs:
      for (auto& a : e.args)
        if (!is_name_like(*a)) return false;
      return !e.args.empty();
    case Op::Pow: return is_name_like(*e.args[0]) && e.args[1]->op == Op::Num && e.args[1]->value == -1;
    case Op::Func:
      for (auto& a : e.args)
        if (!is_name_like(*a)) return false;
      return true;
    default: return false;
  }
}

// a ± b expansions: every choice of sign, at most kMaxVariants.
std::vector<ExprPtr> expand_pm(const ExprPtr& e) {
  if (!has_op(*e, Op::PlusMinus)) return {e};
  if (e->op == Op::PlusMinus) {
    std::vector<ExprPtr> out;
    for (auto& a : expand_pm(e->args[0]))
      for (auto& b : expand_pm(e->args[1])) {
        if (out.size() >= kMaxVariants) return out;
        bool zero = a->op == Op::Num && a->value == 0;
        out.push_back(zero ? b : make_node(Op::Add, {a, b}));
        out.push_back(zero ? make_node(Op::Neg, {b}) : make_node(Op::Add, {a, make_node(Op::Neg, {b})}));
      }
    return out;
  }
  std::vector<std::vector<ExprPtr>> combos{{}};
  for (auto& a : e->args) {
    std::vector<std::vector<ExprPtr>> next;
    for (auto& v : expand_pm(a))
      for (auto& c : combos) {
        if (next.size() >= kMaxVariants) break;
        auto c2 = c;
        c2.push_back(v);
        next.push_back(std::move(c2));
      }
    combos = std::move(next);
  }
  std::vector<ExprPtr> out;
  for (auto& c : combos) {
    auto n = std::make_shared<Expr>(*e);
    n->args = c;
    out.push_back(n);
  }
  return out;
}

// Matrix arithmetic (sums, products, scalar multiples) folded into one matrix of cell expressions.
std::optional<ExprPtr> fold_matrix(const ExprPtr& e, int depth = 0) {
  if (depth > 16) return std::nullopt;
  if (e->op == Op::Matrix) return e;
  if (!has_op(*e, Op::Matrix)) return std::nullopt;
  auto rows = [](const Expr& m) { return static_cast<int>(m.args.size()) / m.cols; };
  if (e->op == Op::Neg) {
    auto m = fold_matrix(e->args[0], depth + 1);
    if (!m) return std::nullopt;
    auto r = std::make_shared<Expr>(**m);
    for (auto& c : r->args) c = make_node(Op::Neg, {c});
    return r;
  }
  if (e->op == Op::Add) {
    std::shared_ptr<Expr> acc;
    for (auto& a : e->args) {
      auto m = fold_matrix(a, depth + 1);
      if (!m) return std::nullopt;
      if (!acc) {
        acc = std::make_shared<Expr>(**m);
        continue;
      }
      if ((*m)->cols != acc->cols || (*m)->args.size() != acc->args.size()) return std::nullopt;
      for (size_t i = 0; i < acc->args.size(); ++i) acc->args[i] = make_node(Op::Add, {acc->args[i], (*m)->args[i]});
    }
    return acc;
  }
  if (e->op == Op::Mul) {
    std::shared_ptr<Expr> acc;
    std::vector<ExprPtr> scalars;
    for (auto& a : e->args) {
      if (!has_op(*a, Op::Matrix)) {
        scalars.push_back(a);
        continue;
      }
      auto m = fold_matrix(a, depth + 1);
      if (!m) return std::nullopt;
      if (!acc) {
        acc = std::make_shared<Expr>(**m);
        continue;
      }
      const Expr& b = **m;
      int n = rows(*acc), k = acc->cols, p = b.cols;
      if (rows(b) != k || n * p > 400) return std::nullopt;
      auto prod = std::make_shared<Expr>();
      prod->op = Op::Matrix;
      prod->cols = p;
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < p; ++j) {
          std::vector<ExprPtr> terms;
          for (int t = 0; t < k; ++t) terms.push_back(make_node(Op::Mul, {acc->args[i * k + t], b.args[t * p + j]}));
          prod->args.push_back(make_node(Op::Add, terms));
        }
      acc = prod;
    }
    if (!acc) return std::nullopt;
    for (auto& c : acc->args) {
      auto terms = scalars;
      terms.push_back(c);
      if (!scalars.empty()) c = make_node(Op::Mul, terms);
    }
    return acc;
  }
  return std::nullopt;
}

bool is_inequality(const std::string& op) { return op == "<" || op == "<=" || op == ">" || op == ">="; }

ExprPtr normalize(const ExprPtr& e, int depth) {
  if (depth > 16) return e;
  if (e->op == Op::List && e->args.size() == 1) return normalize(e->args[0], depth + 1);
  if (e->op == Op::Rel) {
    const auto& ops = e->ops;
    bool all_eq = std::all_of(ops.begin(), ops.end(), [](const std::string& o) { return o == "=" || o == "~"; });
    // Math-Verify's convention: in a chain a = b = c only the last right-hand side counts, and
    // "x = 4" is the answer 4 when the left side is a name (x, f(x), |AB|, NO/BO, (p, q)).
    // An approximation after the last '=' is commentary: x = 1/3 \approx 0.33 is 1/3.
    size_t last_eq = ops.size();
    for (size_t i = 0; i < ops.size(); ++i)
      if (ops[i] == "=") last_eq = i;
    if (all_eq && e->args.size() > 2)
      return normalize(last_eq < ops.size() ? e->args[last_eq + 1] : e->args.back(), depth + 1);
    if (all_eq && is_name_like(*e->args[0])) return normalize(e->args[1], depth + 1);
    if (all_eq && e->args.size() == 2) {  // 1/2 = 10/9 between two constants: the last one counts
      std::set<std::string> syms;
      free_symbols(*e, syms);
      if (syms.empty()) return normalize(e->args[1], depth + 1);
    }
    if (ops.size() == 1 && ops[0] == "in") return normalize(e->args[1], depth + 1);
    if (ops.size() == 2 && is_inequality(ops[0]) && is_inequality(ops[1]) && (ops[0][0] == ops[1][0])) {
      // a < x <= b is the interval (a, b].
      bool less = ops[0][0] == '<';
      auto b = std::make_shared<Expr>();
      b->op = Op::Bracket;
      const std::string& lo_op = less ? ops[0] : ops[1];
      const std::string& hi_op = less ? ops[1] : ops[0];
      b->open = lo_op.size() == 2 ? '[' : '(';
      b->close = hi_op.size() == 2 ? ']' : ')';
      b->args = {less ? e->args[0] : e->args[2], less ? e->args[2] : e->args[0]};
      return b;
    }
    return e;
  }
  if (e->op == Op::List || e->op == Op::Set || e->op == Op::Union || e->op == Op::Bracket) {
    auto n = std::make_shared<Expr>(*e);
    std::vector<ExprPtr> args;
    for (auto& a : e->args) {
      ExprPtr na = normalize(a, depth + 1);
      // "x = 1 ± √5" inside a list adds both roots.
      if ((e->op == Op::List || e->op == Op::Set) && na->op == Op::Set && has_op(*a, Op::PlusMinus))
        args.insert(args.end(), na->args.begin(), na->args.end());
      else
        args.push_back(na);
    }
    n->args = std::move(args);
    return n;
  }
  if (has_op(*e, Op::PlusMinus) && e->op != Op::Matrix) {
    auto v = expand_pm(e);
    return make_node(Op::Set, v);
  }
  if (auto m = fold_matrix(e)) return *m;
  return e;
}

}  // namespace

ExprPtr normalize_answer(const ExprPtr& e) { return normalize(e, 0); }

}  // namespace zerorl
