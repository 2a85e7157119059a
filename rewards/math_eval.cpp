// Real-valued evaluation of scalar expressions (the numeric side of answer comparison).
#include <cmath>

#include "rewards/math_compare.h"

namespace zerorl {
namespace {

bool is_integer(double v) { return std::isfinite(v) && std::floor(v) == v; }

double eval_func(const std::string& f, const std::vector<double>& x) {
  double a = x.empty() ? NAN : x[0];
  if (x.size() == 1) {
    if (f == "sqrt") return a < 0 ? NAN : std::sqrt(a);
    if (f == "sin") return std::sin(a);
    if (f == "cos") return std::cos(a);
    if (f == "tan") return std::tan(a);
    if (f == "sec") return 1 / std::cos(a);
    if (f == "csc") return 1 / std::sin(a);
    if (f == "cot") return std::cos(a) / std::sin(a);
    if (f == "arcsin") return std::asin(a);
    if (f == "arccos") return std::acos(a);
    if (f == "arctan") return std::atan(a);
    if (f == "sinh") return std::sinh(a);
    if (f == "cosh") return std::cosh(a);
    if (f == "tanh") return std::tanh(a);
    if (f == "ln" || f == "log") return a <= 0 ? NAN : std::log(a);
    if (f == "lg") return a <= 0 ? NAN : std::log10(a);
    if (f == "exp") return std::exp(a);
    if (f == "abs") return std::abs(a);
  }
  if (x.size() == 2) {
    double b = x[1];
    if (f == "log") return (a <= 0 || b <= 0 || b == 1) ? NAN : std::log(a) / std::log(b);
    if (f == "binom") {
      if (!is_integer(a) || !is_integer(b) || b < 0 || a < b || a > 1000) return NAN;
      double r = 1;
      for (int i = 1; i <= static_cast<int>(b); ++i) r = r * (a - b + i) / i;
      return std::round(r);
    }
  }
  if (!x.empty() && (f == "max" || f == "min")) {
    double r = a;
    for (double v : x) r = f == "max" ? std::max(r, v) : std::min(r, v);
    return r;
  }
  if (x.size() >= 2 && (f == "gcd" || f == "lcm")) {
    long long r = 0;
    for (double v : x) {
      if (!is_integer(v) || std::abs(v) > 1e15) return NAN;
      long long n = std::llabs(static_cast<long long>(v));
      if (f == "gcd") {
        long long p = r, q = n;
        while (q) {
          long long t = p % q;
          p = q;
          q = t;
        }
        r = p;
      } else {
        if (r == 0) r = n;
        else if (n != 0) {
          long long p = r, q = n;
          while (q) {
            long long t = p % q;
            p = q;
            q = t;
          }
          double l = static_cast<double>(r / p) * static_cast<double>(n);
          if (l > 1e15) return NAN;
          r = static_cast<long long>(l);
        }
      }
    }
    return static_cast<double>(r);
  }
  return NAN;
}

double eval_depth(const Expr& e, const std::map<std::string, double>& env, int depth) {
  if (depth > 200) return NAN;
  switch (e.op) {
    case Op::Num: return e.value;
    case Op::Const: return e.text == "pi" ? M_PI : e.text == "e" ? M_E : INFINITY;
    case Op::Sym: {
      auto it = env.find(e.text);
      return it == env.end() ? NAN : it->second;
    }
    case Op::Add: {
      double s = 0;
      for (auto& a : e.args) s += eval_depth(*a, env, depth + 1);
      return s;
    }
    case Op::Mul: {
      double p = 1;
      for (auto& a : e.args) p *= eval_depth(*a, env, depth + 1);
      return p;
    }
    case Op::Neg: return -eval_depth(*e.args[0], env, depth + 1);
    case Op::Pow: {
      double b = eval_depth(*e.args[0], env, depth + 1);
      double x = eval_depth(*e.args[1], env, depth + 1);
      if (b == 0 && x < 0) return NAN;  // division by zero is undefined, not infinity
      if (b < 0 && !is_integer(x)) {
        // Odd roots of negatives: (-8)^(1/3) = -2.
        double inv = 1 / x;
        if (std::abs(inv - std::round(inv)) < 1e-9 && static_cast<long long>(std::round(inv)) % 2 != 0)
          return -std::pow(-b, x);
        return NAN;
      }
      return std::pow(b, x);
    }
    case Op::Func: {
      std::vector<double> x;
      for (auto& a : e.args) x.push_back(eval_depth(*a, env, depth + 1));
      return eval_func(e.text, x);
    }
    case Op::Fact: {
      double n = eval_depth(*e.args[0], env, depth + 1);
      if (!is_integer(n) || n < 0 || n > 170) return NAN;
      return std::round(std::tgamma(n + 1));
    }
    case Op::Abs: return std::abs(eval_depth(*e.args[0], env, depth + 1));
    case Op::Percent: return eval_depth(*e.args[0], env, depth + 1);
    default: return NAN;
  }
}

}  // namespace

double eval_real(const Expr& e, const std::map<std::string, double>& env) { return eval_depth(e, env, 0); }

}  // namespace zerorl
