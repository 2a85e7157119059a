// The bridge to GiNaC. Only small, tame expressions are converted (bounded size, small integer
// powers, no infinities) so that an expansion can never run away; any GiNaC exception means
// "cannot tell".
#include <cmath>
#include <map>
#include <mutex>

#include <ginac/ginac.h>

#include "rewards/math_compare.h"

namespace zerorl {
namespace {

struct Unsupported {};

constexpr int kMaxNodes = 200;
constexpr int kMaxIntPower = 24;

class ToGinac {
 public:
  GiNaC::ex convert(const Expr& e) {
    if (++nodes_ > kMaxNodes) throw Unsupported{};
    switch (e.op) {
      case Op::Num: return number(e.text);
      case Op::Sym: {
        auto it = syms_.find(e.text);
        if (it == syms_.end()) it = syms_.emplace(e.text, GiNaC::symbol(e.text)).first;
        return it->second;
      }
      case Op::Const:
        if (e.text == "pi") return GiNaC::Pi;
        if (e.text == "e") return GiNaC::exp(GiNaC::ex(1));
        throw Unsupported{};
      case Op::Add: {
        GiNaC::ex s = 0;
        for (auto& a : e.args) s += convert(*a);
        return s;
      }
      case Op::Mul: {
        GiNaC::ex p = 1;
        for (auto& a : e.args) p *= convert(*a);
        return p;
      }
      case Op::Neg: return -convert(*e.args[0]);
      case Op::Pow: {
        GiNaC::ex x = convert(*e.args[1]);
        // Nested powers multiply: ((x+1)^24)^24 expands like (x+1)^576, which we refuse.
        double scale = 1;
        if (GiNaC::is_a<GiNaC::numeric>(x)) scale = std::abs(GiNaC::ex_to<GiNaC::numeric>(x).to_double());
        if (scale < 1) scale = 1;
        power_scale_ *= scale;
        if (power_scale_ > kMaxIntPower) throw Unsupported{};
        GiNaC::ex b = convert(*e.args[0]);
        power_scale_ /= scale;
        // GiNaC throws on 0^-1 from inside a half-built object, which then leaks: refuse first.
        if (b.is_zero() && (!GiNaC::is_a<GiNaC::numeric>(x) || !GiNaC::ex_to<GiNaC::numeric>(x).is_positive()))
          throw Unsupported{};
        if (GiNaC::is_a<GiNaC::numeric>(x)) {
          auto n = GiNaC::ex_to<GiNaC::numeric>(x);
          if (!n.is_rational()) throw Unsupported{};
          if (!n.is_integer() && (std::abs(n.numer().to_double()) > kMaxIntPower || n.denom().to_double() > 12))
            throw Unsupported{};
        } else if (!GiNaC::is_a<GiNaC::symbol>(b) && !GiNaC::is_a<GiNaC::numeric>(b)) {
          throw Unsupported{};
        }
        return GiNaC::pow(b, x);
      }
      case Op::Func: {
        if (e.args.size() != 1) throw Unsupported{};
        GiNaC::ex a = convert(*e.args[0]);
        const std::string& f = e.text;
        if (f == "sqrt") return GiNaC::sqrt(a);
        if (f == "sin") return GiNaC::sin(a);
        if (f == "cos") return GiNaC::cos(a);
        if (f == "tan") return GiNaC::tan(a);
        if (f == "sec") return 1 / GiNaC::cos(a);
        if (f == "csc") return 1 / GiNaC::sin(a);
        if (f == "cot") return GiNaC::cos(a) / GiNaC::sin(a);
        if (f == "exp") return GiNaC::exp(a);
        if ((f == "ln" || f == "log") && a.is_zero()) throw Unsupported{};  // a pole, as above
        if (f == "ln" || f == "log") return GiNaC::log(a);
        if (f == "abs") return GiNaC::abs(a);
        throw Unsupported{};
      }
      case Op::Abs: return GiNaC::abs(convert(*e.args[0]));
      case Op::Fact: {
        GiNaC::ex a = convert(*e.args[0]);
        if (!GiNaC::is_a<GiNaC::numeric>(a) || !GiNaC::ex_to<GiNaC::numeric>(a).is_nonneg_integer() ||
            GiNaC::ex_to<GiNaC::numeric>(a).to_double() > 30)
          throw Unsupported{};
        return GiNaC::factorial(a);
      }
      default: throw Unsupported{};
    }
  }

 private:
  GiNaC::ex number(const std::string& text) {
    // Exact: "1000.99" = 100099 / 100. Long or exponent forms are left to the numeric check.
    if (text.size() > 30 || text.find_first_of("eE") != std::string::npos) throw Unsupported{};
    std::string digits;
    int decimals = 0;
    bool point = false;
    for (char c : text) {
      if (c == '.') point = true;
      else {
        digits += c;
        if (point) ++decimals;
      }
    }
    GiNaC::numeric n(digits.c_str());
    for (int i = 0; i < decimals; ++i) n /= 10;
    return n;
  }

  std::map<std::string, GiNaC::symbol> syms_;
  int nodes_ = 0;
  double power_scale_ = 1;
};

// GiNaC shares reference-counted flyweights between expressions without atomics: one caller at
// a time (the trainer's evaluation may score from another thread).
std::mutex& ginac_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

std::optional<bool> ginac_equal(const Expr& a, const Expr& b) {
  std::lock_guard<std::mutex> lock(ginac_mutex());
  try {
    ToGinac conv;
    GiNaC::ex d = conv.convert(a) - conv.convert(b);
    if (d.expand().normal().is_zero()) return true;
    return std::nullopt;
  } catch (...) {
    return std::nullopt;
  }
}

std::optional<double> ginac_ratio(const Expr& a, const Expr& b) {
  std::lock_guard<std::mutex> lock(ginac_mutex());
  try {
    ToGinac conv;
    GiNaC::ex eb = conv.convert(b).expand();
    if (eb.is_zero()) return std::nullopt;
    GiNaC::ex q = (conv.convert(a).expand() / eb).normal();
    if (GiNaC::is_a<GiNaC::numeric>(q)) {
      double v = GiNaC::ex_to<GiNaC::numeric>(q).to_double();
      if (std::isfinite(v) && v != 0) return v;
    }
    return std::nullopt;
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace zerorl

// CLN (GiNaC's number library) keeps a few bytes from its static initialisation forever, which
// LeakSanitizer reports at exit of every binary that links us: not our leak, suppressed.
#if defined(__SANITIZE_ADDRESS__)
#define ZERORL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZERORL_ASAN 1
#endif
#endif
#ifdef ZERORL_ASAN
extern "C" const char* __lsan_default_suppressions() { return "leak:libcln.so\nleak:libginac.so\n"; }
#endif
