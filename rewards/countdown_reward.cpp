#include "rewards/countdown_reward.h"

#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <string>

namespace zerorl {
namespace {

constexpr int kMaxDepth = 64;
constexpr size_t kMaxExpression = 1000;

// An exact rational; `bad` after division by zero or int64 overflow.
struct Rational {
  int64_t num = 0, den = 1;
  bool bad = false;
};

Rational make(int64_t n, int64_t d) {
  Rational r;
  if (d == 0) {
    r.bad = true;
    return r;
  }
  if (n == INT64_MIN || d == INT64_MIN) {  // neither can be negated
    r.bad = true;
    return r;
  }
  if (d < 0) {
    n = -n;
    d = -d;
  }
  int64_t g = std::gcd(n < 0 ? -n : n, d);
  if (g == 0) g = 1;
  r.num = n / g;
  r.den = d / g;
  return r;
}

Rational combine(const Rational& a, const Rational& b, char op) {
  Rational bad;
  bad.bad = true;
  if (a.bad || b.bad) return bad;
  int64_t x, y, n, d;
  switch (op) {
    case '+':
    case '-':
      if (__builtin_mul_overflow(a.num, b.den, &x) || __builtin_mul_overflow(b.num, a.den, &y) ||
          __builtin_mul_overflow(a.den, b.den, &d))
        return bad;
      if (op == '+' ? __builtin_add_overflow(x, y, &n) : __builtin_sub_overflow(x, y, &n)) return bad;
      return make(n, d);
    case '*':
    case '/': {
      // a * b, or a * (1/b); cancel across first so that exact products do not overflow early.
      int64_t bn = op == '*' ? b.num : b.den, bd = op == '*' ? b.den : b.num;
      if (bd == 0) return bad;
      int64_t g1 = std::gcd(a.num, bd), g2 = std::gcd(bn, a.den);  // |values|; never INT64_MIN here
      if (g1 == 0) g1 = 1;
      if (g2 == 0) g2 = 1;
      if (__builtin_mul_overflow(a.num / g1, bn / g2, &n) || __builtin_mul_overflow(a.den / g2, bd / g1, &d))
        return bad;
      return make(n, d);
    }
  }
  return bad;
}

struct ParseFail {};

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  CountdownEval run() {
    Rational v = sum();
    skip();
    if (i_ != s_.size()) throw ParseFail{};
    out_.undefined = v.bad;
    out_.value = v.bad ? 0 : static_cast<double>(v.num) / static_cast<double>(v.den);
    return out_;
  }

 private:
  void skip() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool at(char c) {
    skip();
    return i_ < s_.size() && s_[i_] == c;
  }

  Rational sum() {
    Rational v = product();
    while (at('+') || at('-')) {
      char op = s_[i_++];
      v = combine(v, product(), op);
    }
    return v;
  }

  Rational product() {
    Rational v = unary();
    while (at('*') || at('/')) {
      char op = s_[i_++];
      v = combine(v, unary(), op);
    }
    return v;
  }

  Rational unary() {
    if (++depth_ > kMaxDepth) throw ParseFail{};
    Rational v;
    if (at('-')) {
      ++i_;
      v = combine(make(0, 1), unary(), '-');
    } else if (at('+')) {
      ++i_;
      v = unary();
    } else if (at('(')) {
      ++i_;
      v = sum();
      if (!at(')')) throw ParseFail{};
      ++i_;
    } else {
      v = number();
    }
    --depth_;
    return v;
  }

  Rational number() {
    skip();
    size_t start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    if (i_ == start) throw ParseFail{};
    int64_t num = 0, den = 1;
    bool bad = i_ - start > 15;
    for (size_t k = start; k < i_ && !bad; ++k) num = num * 10 + (s_[k] - '0');
    if (i_ + 1 < s_.size() && s_[i_] == '.' && s_[i_ + 1] >= '0' && s_[i_ + 1] <= '9') {
      ++i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
        // Digits before and after the point share the 15 that an int64 holds exactly.
        if (den > 100000000000000LL || num > 99999999999999LL) bad = true;
        if (!bad) {
          num = num * 10 + (s_[i_] - '0');
          den *= 10;
        }
        ++i_;
      }
    }
    out_.literals.push_back(s_.substr(start, i_ - start));
    Rational r = make(num, den);
    r.bad = r.bad || bad;
    return r;
  }

  std::string_view s_;
  size_t i_ = 0;
  int depth_ = 0;
  CountdownEval out_;
};

}  // namespace

std::optional<CountdownEval> eval_countdown_expression(std::string_view expr) {
  if (expr.size() > kMaxExpression) return std::nullopt;
  try {
    return Parser(expr).run();
  } catch (const ParseFail&) {
    return std::nullopt;
  }
}

double countdown_score(std::string_view completion, const std::vector<int64_t>& numbers, int64_t target,
                       double format_score) {
  size_t close = completion.rfind("</answer>");
  if (close == std::string_view::npos) return 0.0;
  size_t open = completion.substr(0, close).rfind("<answer>");
  if (open == std::string_view::npos) return 0.0;
  std::string_view expr = completion.substr(open + 8, close - open - 8);
  auto ev = eval_countdown_expression(expr);
  if (!ev) return 0.0;
  // Each given number exactly once: the literals as written ("1.0" is not the number 1).
  std::vector<std::string> used, given;
  for (auto l : ev->literals) used.emplace_back(l);
  for (int64_t n : numbers) given.push_back(std::to_string(n));
  std::sort(used.begin(), used.end());
  std::sort(given.begin(), given.end());
  if (used != given) return format_score;
  if (ev->undefined) return format_score;
  return std::abs(ev->value - static_cast<double>(target)) < 1e-5 ? 1.0 : format_score;
}

}  // namespace zerorl
