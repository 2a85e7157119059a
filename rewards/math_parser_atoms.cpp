// Atoms of the math-answer grammar: numbers, names and words (units, text answers), constants,
// functions, LaTeX commands (\frac, \sqrt, \binom, \boxed, ...) and environments (matrices; the
// others are dropped by prefilter), brackets, sets and absolute values.
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "rewards/math_expr.h"
#include "rewards/math_lexer.h"
#include "rewards/math_parser.h"

namespace zerorl::math_parse {
namespace {

const std::set<std::string>& function_names() {
  static const std::set<std::string> s = {"sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos",
                                          "arctan", "sinh", "cosh", "tanh", "ln", "log", "exp", "lg",
                                          "sqrt", "abs", "gcd", "lcm", "max", "min", "det"};
  return s;
}

// Multi-letter words that stay words (units) inside LaTeX, where "xy" otherwise means x*y.
const std::set<std::string>& unit_words() {
  static const std::set<std::string> s = {
      "cm", "mm", "km", "miles", "mile", "feet", "foot", "ft", "inches", "inch", "yards", "yard", "meters",
      "meter", "metres", "metre", "units", "unit", "degrees", "degree", "dollars", "dollar", "cents",
      "cent", "yuan", "hours", "hour", "hrs", "minutes", "minute", "mins", "seconds", "second", "days",
      "day", "weeks", "week", "years", "year", "months", "month", "kg", "grams", "gram", "lbs", "pounds",
      "pound", "ounces", "oz", "liters", "liter", "litres", "ml", "mph", "sq", "square", "cubic", "people",
      "ways", "times", "points", "students", "euros", "euro", "rupees", "kmh", "ms", "am", "pm",
      "radians", "rad", "percent", "pct", "percentage"};
  return s;
}

bool matrix_env(const std::string& env) {
  static const std::set<std::string> s = {"matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix",
                                          "smallmatrix", "array"};
  return s.count(env) > 0;
}

}  // namespace

// A command argument: {group} or a single token.
ExprPtr Parser::arg() {
  DepthGuard g(depth_);
  if (punct("{")) {
    ++pos_;
    auto items = list();
    expect("}");
    if (items.size() != 1) throw ParseFail{};
    return items[0];
  }
  return primary();
}

ExprPtr Parser::function(const std::string& name) {
  DepthGuard g(depth_);
  ExprPtr pw;
  if (punct("^")) {
    ++pos_;
    pw = exponent();
  }
  std::vector<ExprPtr> args;
  if (punct("_")) {  // log_b x
    ++pos_;
    args.push_back(arg());
  }
  if (punct("(")) {
    ++pos_;
    auto items = list();
    expect(")");
    if (items.empty()) throw ParseFail{};
    args.insert(args.begin(), items.begin(), items.end());
  } else if (punct("{")) {
    args.insert(args.begin(), arg());
  } else {
    ExprPtr a = power();
    while (peek() && (peek()->kind == Tok::Ident) && peek()->text.size() == 1) a = times(a, power());
    args.insert(args.begin(), a);
  }
  ExprPtr f = make_node(Op::Func, args, name);
  if (pw) f = make_node(Op::Pow, {f, pw});
  return f;
}

ExprPtr Parser::bracket(char open) {
  DepthGuard g(depth_);
  auto items = list();
  char close;
  if (punct(")")) close = ')';
  else if (punct("]")) close = ']';
  else throw ParseFail{};
  ++pos_;
  if (items.empty()) throw ParseFail{};
  if (items.size() == 1) return items[0];
  auto b = std::make_shared<Expr>();
  b->op = Op::Bracket;
  b->open = open;
  b->close = close;
  b->args = std::move(items);
  return b;
}

ExprPtr Parser::matrix() {
  DepthGuard g(depth_);
  auto m = std::make_shared<Expr>();
  m->op = Op::Matrix;
  int cols = -1, cur = 0;
  auto end_row = [&]() {
    if (cur == 0) return;
    if (cols >= 0 && cur != cols) throw ParseFail{};
    cols = cur;
    cur = 0;
  };
  while (true) {
    if (cmd("end")) {
      ++pos_;
      end_row();
      break;
    }
    if (punct("\\\\")) {
      ++pos_;
      end_row();
      continue;
    }
    m->args.push_back(relation());
    ++cur;
    if (m->args.size() > 400) throw ParseFail{};
    if (punct("&")) ++pos_;
    else if (!punct("\\\\") && !cmd("end")) throw ParseFail{};
  }
  if (cols <= 0) throw ParseFail{};
  m->cols = cols;
  return m;
}

ExprPtr Parser::text_token(const Token& t) {
  std::string c = trim_ws(t.text);
  if (c.empty()) throw ParseFail{};
  std::vector<Token> inner;
  if (lex_math(c, true, inner) && inner.size() == 1 && inner[0].kind == Tok::Num)
    return make_num(std::strtod(inner[0].text.c_str(), nullptr), inner[0].text);
  bool math_font = t.arg.rfind("math", 0) == 0 || t.arg == "boldsymbol" || t.arg == "operatorname";
  if (c == "e") return make_node(Op::Const, {}, "e");
  if (c.size() == 1 && std::isalpha(static_cast<unsigned char>(c[0]))) return make_sym(c, false);
  if (t.arg == "operatorname" && function_names().count(c)) return function(c);
  if (math_font) return make_sym(c, false);
  // Words: keep them as one word symbol each (units, or a text answer).
  std::vector<ExprPtr> words;
  size_t i = 0;
  while (i < c.size()) {
    while (i < c.size() && c[i] == ' ') ++i;
    size_t j = i;
    while (j < c.size() && c[j] != ' ') ++j;
    if (j > i) words.push_back(make_sym(c.substr(i, j - i), true));
    i = j;
  }
  if (words.size() == 1) return words[0];
  return make_node(Op::Mul, words);
}

ExprPtr Parser::primary() {
  DepthGuard g(depth_);
  const Token* t = peek();
  if (!t) throw ParseFail{};
  ++pos_;
  switch (t->kind) {
    case Tok::Num: return make_num(std::strtod(t->text.c_str(), nullptr), t->text);
    case Tok::Text: return text_token(*t);
    case Tok::Ident: {
      std::string w = t->text;
      std::string lw = lower(w);
      if (t->arg == "unicode") return make_sym(w, true);
      if (function_names().count(lw) && (punct("(") || punct("^") || lw == "sqrt")) return function(lw);
      if (lw == "pi") return make_node(Op::Const, {}, "pi");
      if (lw == "inf" || lw == "infty" || lw == "infinity" || lw == "oo") return make_node(Op::Const, {}, "inf");
      if (w == "e") return make_node(Op::Const, {}, "e");
      if (w.size() == 1) return make_sym(w, false);
      if (plain_ || unit_words().count(lw)) return make_sym(w, true);
      // LaTeX "xy" is x*y.
      std::vector<ExprPtr> letters;
      for (char c : w) letters.push_back(c == 'e' ? make_node(Op::Const, {}, "e") : make_sym(std::string(1, c)));
      if (letters.size() > 200) throw ParseFail{};
      return make_node(Op::Mul, letters);
    }
    case Tok::Cmd: {
      const std::string& c = t->text;
      if (c == "frac" || c == "dfrac" || c == "tfrac" || c == "cfrac") {
        ExprPtr a = arg();
        ExprPtr b = arg();
        return times(a, make_node(Op::Pow, {b, make_num(-1, "-1")}));
      }
      if (c == "binom" || c == "dbinom" || c == "tbinom") {
        ExprPtr a = arg();
        ExprPtr b = arg();
        return make_node(Op::Func, {a, b}, "binom");
      }
      if (c == "sqrt") {
        if (punct("[")) {
          ++pos_;
          ExprPtr n = sum();
          expect("]");
          ExprPtr x = arg();
          return make_node(Op::Pow, {x, make_node(Op::Pow, {n, make_num(-1, "-1")})});
        }
        return make_node(Op::Func, {arg()}, "sqrt");
      }
      if (c == "pi") return make_node(Op::Const, {}, "pi");
      if (c == "infty" || c == "infin") return make_node(Op::Const, {}, "inf");
      if (function_names().count(c)) return function(c);
      if (c == "boxed" || c == "fbox" || c == "overline" || c == "vec" || c == "hat" || c == "bar" ||
          c == "tilde")
        return arg();
      if (c == "emptyset" || c == "varnothing") return make_node(Op::Set, {});
      if (c == "begin") {
        if (!matrix_env(t->arg)) throw ParseFail{};
        return matrix();
      }
      static const std::set<std::string> fails = {"dots", "ldots", "cdots", "mod", "bmod", "pmod", "sum",
                                                  "prod", "to", "rightarrow", "Rightarrow", "implies",
                                                  "iff", "end", "cdot", "times", "div", "cup", "cap"};
      if (fails.count(c)) throw ParseFail{};
      return make_sym("\\" + c, false);  // Greek letters and unknown commands are symbols
    }
    case Tok::Punct: {
      const std::string& p = t->text;
      if (p == "(") return bracket('(');
      if (p == "[") return bracket('[');
      if (p == "{") {
        auto items = list();
        expect("}");
        if (items.empty()) throw ParseFail{};
        return items.size() == 1 ? items[0] : make_node(Op::List, items);
      }
      if (p == "\\{") {
        auto items = list();
        expect("\\}");
        return make_node(Op::Set, items);
      }
      if (p == "|") {
        ++abs_depth_;
        ExprPtr x = sum();
        expect("|");
        --abs_depth_;
        return make_node(Op::Abs, {x});
      }
      throw ParseFail{};
    }
  }
  throw ParseFail{};
}

// Environments other than matrices are dropped here, before parsing (see math_parser.h).
std::vector<Token> prefilter(std::vector<Token> toks) {
  std::vector<Token> out;
  out.reserve(toks.size());
  std::vector<bool> env_is_matrix;
  for (auto& t : toks) {
    bool in_matrix = !env_is_matrix.empty() && env_is_matrix.back();
    if (t.kind == Tok::Cmd && t.text == "begin") {
      env_is_matrix.push_back(matrix_env(t.arg));
      if (!matrix_env(t.arg)) continue;
    } else if (t.kind == Tok::Cmd && t.text == "end") {
      bool m = !env_is_matrix.empty() && env_is_matrix.back();
      if (!env_is_matrix.empty()) env_is_matrix.pop_back();
      if (!m) continue;
    } else if (t.kind == Tok::Punct && (t.text == "&" || t.text == "\\\\") && !in_matrix) {
      continue;
    } else if (t.kind == Tok::Cmd && (t.text == "angle" || t.text == "triangle" || t.text == "dagger")) {
      continue;
    }
    out.push_back(std::move(t));
  }
  while (!out.empty() && out.back().kind == Tok::Punct && (out.back().text == "." || out.back().text == ","))
    out.pop_back();
  while (!out.empty() && out.back().kind == Tok::Punct && out.back().text == ",") out.pop_back();
  return out;
}

}  // namespace zerorl::math_parse
