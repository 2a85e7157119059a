#include "rewards/math_compare.h"
#include "rewards/math_normalize.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <utility>
#include <vector>

namespace zerorl {
namespace {

constexpr int kRandomPoints = 5;
constexpr double kSymbolicTolerance = 1e-7;

// Deterministic pseudo-random value in [0.5, 2.5) for a symbol at point k: the same name gets the
// same value on both sides.
double point_value(const std::string& name, int k) {
  uint64_t h = 1469598103934665603ull;
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  h ^= static_cast<uint64_t>(k + 1) * 0x9E3779B97F4A7C15ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return 0.5 + 2.0 * static_cast<double>(h >> 11) / static_cast<double>(1ull << 53);
}

bool has_infinity(const Expr& e) {
  if (e.op == Op::Const && e.text == "inf") return true;
  for (auto& a : e.args)
    if (has_infinity(*a)) return true;
  return false;
}

std::set<std::string> symbols_of(const Expr& a, const Expr& b) {
  std::set<std::string> syms;
  free_symbols(a, syms);
  free_symbols(b, syms);
  return syms;
}

// Both sides at kRandomPoints points (a symbol takes the same value on both sides). Points where
// both are undefined are skipped; nullopt when only one side is defined at some point: they differ.
std::optional<std::vector<std::pair<double, double>>> sample_both(const Expr& a, const Expr& b,
                                                                  const std::set<std::string>& syms) {
  std::vector<std::pair<double, double>> points;
  for (int k = 0; k < kRandomPoints; ++k) {
    std::map<std::string, double> env;
    for (auto& s : syms) env[s] = point_value(s, k);
    double va = eval_real(a, env), vb = eval_real(b, env);
    if (std::isfinite(va) != std::isfinite(vb)) return std::nullopt;
    if (std::isfinite(va)) points.emplace_back(va, vb);
  }
  return points;
}

bool is_equation(const Expr& e) { return e.op == Op::Rel && e.ops.size() == 1 && e.ops[0] == "="; }

bool collection(Op op) {
  return op == Op::List || op == Op::Set || op == Op::Bracket || op == Op::Union || op == Op::Matrix;
}

std::string squash(std::string s) {
  std::string out;
  for (char c : s)
    if (c != ' ' && c != '(' && c != ')') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class Comparer {
 public:
  explicit Comparer(const CompareOptions& o) : opts_(o) {}

  bool equal(const ExprPtr& a0, const ExprPtr& b0, int depth = 0) {
    if (depth > 24 || --budget_ < 0) return false;
    // Two equations compare as equations (2x + 4y - 3 = 0 and y = -x/2 + 3/4) before "y = ..."
    // is reduced to its right-hand side.
    if (is_equation(*a0) && is_equation(*b0) && relation_equal(*a0, *b0)) return true;
    ExprPtr a = normalize_answer(a0), b = normalize_answer(b0);
    if (a->op == Op::Text || b->op == Op::Text) return text_equal(*a, *b);
    if (collection(a->op) || collection(b->op)) return collection_equal(a, b, depth);
    if (a->op == Op::Rel || b->op == Op::Rel) {
      if (a->op != Op::Rel || b->op != Op::Rel) return false;
      return relation_equal(*a, *b);
    }
    return scalar_equal(*a, *b);
  }

 private:
  bool text_equal(const Expr& a, const Expr& b) {
    auto words = [](const Expr& e) -> std::optional<std::string> {
      if (e.op == Op::Text || e.op == Op::Sym) return squash(e.text);
      if (e.op == Op::Const && e.text == "e") return std::string("e");
      if (e.op == Op::Mul) {  // "$odd$" in LaTeX reads as o*d*d
        std::string s;
        for (auto& a : e.args) {
          if (a->op == Op::Sym && !a->word) s += a->text;
          else if (a->op == Op::Const && a->text == "e") s += "e";
          else return std::nullopt;
        }
        return squash(s);
      }
      return std::nullopt;
    };
    auto wa = words(a), wb = words(b);
    return wa && wb && *wa == *wb;
  }

  bool ordered(const std::vector<ExprPtr>& x, const std::vector<ExprPtr>& y, int depth) {
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!equal(x[i], y[i], depth + 1)) return false;
    return true;
  }

  // Set equality: repeated items count once ({1, 2, 2} = {2, 1}), as in Math-Verify.
  bool unordered(const std::vector<ExprPtr>& x, const std::vector<ExprPtr>& y, int depth) {
    if (x.empty() || y.empty()) return x.empty() && y.empty();
    std::vector<bool> y_hit(y.size(), false);
    for (auto& xi : x) {
      bool found = false;
      for (size_t j = 0; j < y.size(); ++j) {
        if ((found && y_hit[j]) || !equal(xi, y[j], depth + 1)) continue;
        found = y_hit[j] = true;
      }
      if (!found) return false;
    }
    return std::all_of(y_hit.begin(), y_hit.end(), [](bool b) { return b; });
  }

  bool collection_equal(const ExprPtr& a, const ExprPtr& b, int depth) {
    Op x = a->op, y = b->op;
    bool a_bag = x == Op::List || x == Op::Set, b_bag = y == Op::List || y == Op::Set;
    if (a_bag && b_bag) return unordered(a->args, b->args, depth);
    if (x == Op::Bracket && y == Op::Bracket)
      return a->open == b->open && a->close == b->close && ordered(a->args, b->args, depth);
    // A tuple and a bare list of the same items in the same order: (1, 3) and {1, 3}.
    if (x == Op::Bracket && y == Op::List && a->open == '(' && a->close == ')') return ordered(a->args, b->args, depth);
    if (y == Op::Bracket && x == Op::List && b->open == '(' && b->close == ')') return ordered(a->args, b->args, depth);
    if (x == Op::Union && y == Op::Union) return unordered(a->args, b->args, depth);
    if (x == Op::Matrix && y == Op::Matrix) return a->cols == b->cols && ordered(a->args, b->args, depth);
    return false;
  }

  // Inequalities as d > 0 (or d >= 0, d != 0); equations as d = 0, with d = right - left.
  bool relation_equal(const Expr& a, const Expr& b) {
    if (a.ops.size() != 1 || b.ops.size() != 1) return false;
    auto canon = [](const Expr& r, ExprPtr& d, std::string& kind) {
      const std::string& op = r.ops[0];
      ExprPtr l = r.args[0], rr = r.args[1];
      if (op == ">" || op == ">=") std::swap(l, rr);
      d = make_node(Op::Add, {rr, make_node(Op::Neg, {l})});
      kind = (op == "=" || op == "~") ? "=" : op == "!=" ? "!=" : (op.size() == 2 ? "<=" : "<");
    };
    ExprPtr da, db;
    std::string ka, kb;
    canon(a, da, ka);
    canon(b, db, kb);
    if (ka != kb) return false;
    bool any_sign = ka == "=" || ka == "!=";
    return proportional(*da, *db, any_sign);
  }

  bool proportional(const Expr& a, const Expr& b, bool any_sign) {
    if (auto r = ginac_ratio(a, b)) return any_sign || *r > 0;
    auto points = sample_both(a, b, symbols_of(a, b));
    if (!points) return false;
    std::optional<double> ratio;
    int good = 0;
    for (auto [va, vb] : *points) {
      if (vb == 0 || va == 0) {
        if ((vb == 0) != (va == 0)) return false;
        continue;
      }
      double r = va / vb;
      if (!ratio) ratio = r;
      else if (std::abs(r - *ratio) > kSymbolicTolerance * std::max(1.0, std::abs(r))) return false;
      ++good;
    }
    return good >= 2 && ratio && (any_sign || *ratio > 0);
  }

  bool numbers_close(double va, double vb) const {
    if (!std::isfinite(va) || !std::isfinite(vb)) return false;
    if (va == vb) return true;
    double scale = std::max(std::abs(va), std::abs(vb));
    // Two different integers are never equal (10000000000 vs 10000000001), however large.
    if (std::floor(va) == va && std::floor(vb) == vb && scale < 9e15) return false;
    if (std::abs(va - vb) <= 1e-12 * std::max(1.0, scale)) return true;
    // Math-Verify's rule: equal after rounding both to `precision` decimals.
    double p = std::pow(10.0, opts_.precision);
    if (scale * p > 1e15) return false;
    return std::llround(va * p) == std::llround(vb * p);
  }

  bool values_equal(const Expr& a, const Expr& b) {
    std::set<std::string> syms = symbols_of(a, b);
    if (syms.empty()) {
      double va = eval_real(a, {}), vb = eval_real(b, {});
      // Infinity written as \infty is a value; an overflow (10^{10^{10}}) is not.
      if (std::isinf(va) && std::isinf(vb)) return (va > 0) == (vb > 0) && has_infinity(a) && has_infinity(b);
      return numbers_close(va, vb);
    }
    if (auto g = ginac_equal(a, b); g && *g) return true;
    auto points = sample_both(a, b, syms);
    if (!points) return false;
    for (auto [va, vb] : *points)
      if (std::abs(va - vb) > kSymbolicTolerance * std::max({1.0, std::abs(va), std::abs(vb)})) return false;
    return points->size() >= 2;
  }

  bool scalar_equal(const Expr& a, const Expr& b) {
    bool pa = a.op == Op::Percent, pb = b.op == Op::Percent;
    const Expr& xa = pa ? *a.args[0] : a;
    const Expr& xb = pb ? *b.args[0] : b;
    if (xa.op == Op::Sym && xb.op == Op::Sym && (xa.word || xb.word)) return squash(xa.text) == squash(xb.text);
    if (values_equal(xa, xb)) return true;
    // 28% may be written 0.28.
    auto hundredth = [](const Expr& e) {
      return make_node(Op::Mul, {std::make_shared<Expr>(e), make_num(0.01, "0.01")});
    };
    if (pa && !pb) return values_equal(*hundredth(xa), xb);
    if (pb && !pa) return values_equal(xa, *hundredth(xb));
    return false;
  }

  CompareOptions opts_;
  int budget_ = 4000;  // bounds the work of matching large unordered sets
};

}  // namespace

bool math_equal(const ExprPtr& predicted, const ExprPtr& gold, const CompareOptions& opts) {
  if (!predicted || !gold) return false;
  return Comparer(opts).equal(predicted, gold);
}

}  // namespace zerorl
