// Recursive-descent parser for math answers: numbers, LaTeX and plain-text expressions,
// relations, sets, tuples, intervals, matrices and unit words. Internally a failure is a
// ParseFail exception; parse_math() catches it and returns nullopt.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

#include "rewards/math_expr.h"
#include "rewards/math_lexer.h"

namespace zerorl {

namespace {

struct ParseFail {};

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

bool is_percent_word(const std::string& w) { return w == "percent" || w == "pct" || w == "percentage"; }
bool is_connector(const std::string& w) { return w == "and" || w == "or"; }

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim_ws(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\n\r");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t\n\r");
  return s.substr(a, b - a + 1);
}

bool matrix_env(const std::string& env) {
  static const std::set<std::string> s = {"matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix",
                                          "smallmatrix", "array"};
  return s.count(env) > 0;
}

bool contains_number(const Expr& e) {
  if (e.op == Op::Num || e.op == Op::Const) return true;
  for (auto& a : e.args)
    if (contains_number(*a)) return true;
  return false;
}

// A word, a power of a word or a product of words: a unit after a number.
bool is_wordy(const Expr& e) {
  if (e.op == Op::Sym) return e.word;
  if (e.op == Op::Pow) return is_wordy(*e.args[0]) && e.args[1]->op == Op::Num;
  if (e.op == Op::Mul) {
    bool any_word = false;
    for (auto& a : e.args) {
      if (is_wordy(*a)) any_word = true;
      else if (!(a->op == Op::Sym && a->text.size() == 1)) return false;
    }
    return any_word;
  }
  return false;
}

void collect_words(const Expr& e, std::vector<std::string>& out) {
  if (e.op == Op::Sym) out.push_back(lower(e.text));
  for (auto& a : e.args) collect_words(*a, out);
}

class Parser {
 public:
  Parser(std::vector<Token> toks, bool plain) : toks_(std::move(toks)), plain_(plain) {}

  ExprPtr parse() {
    auto items = list();
    if (pos_ != toks_.size()) throw ParseFail{};
    if (items.empty()) throw ParseFail{};
    for (auto& it : items) it = textify(it);
    return items.size() == 1 ? items[0] : make_node(Op::List, items);
  }

 private:
  struct DepthGuard {
    explicit DepthGuard(int& d) : d_(d) {
      if (++d_ > kMaxParseDepth) throw ParseFail{};
    }
    ~DepthGuard() { --d_; }
    int& d_;
  };

  const Token* peek(size_t k = 0) const { return pos_ + k < toks_.size() ? &toks_[pos_ + k] : nullptr; }
  bool punct(const char* p, size_t k = 0) const {
    auto t = peek(k);
    return t && t->kind == Tok::Punct && t->text == p;
  }
  bool cmd(const char* c, size_t k = 0) const {
    auto t = peek(k);
    return t && t->kind == Tok::Cmd && t->text == c;
  }
  void expect(const char* p) {
    if (!punct(p)) throw ParseFail{};
    ++pos_;
  }

  static ExprPtr textify(const ExprPtr& e) {
    if (!is_wordy(*e)) return e;
    std::vector<std::string> words;
    collect_words(*e, words);
    std::string joined;
    for (auto& w : words) joined += (joined.empty() ? "" : " ") + w;
    auto t = make_node(Op::Text, {}, joined);
    return t;
  }

  bool separator() {
    auto t = peek();
    if (!t) return false;
    if (t->kind == Tok::Punct && (t->text == "," || t->text == ";")) {
      ++pos_;
      return true;
    }
    if (t->kind == Tok::Ident && is_connector(lower(t->text))) {
      ++pos_;
      return true;
    }
    if (t->kind == Tok::Text) {
      std::string c = lower(trim_ws(t->text));
      if (c == "and" || c == "or" || c == "," || c == ";" || c == ", and" || c == "and also") {
        ++pos_;
        return true;
      }
    }
    return false;
  }

  bool at_stop() const {
    auto t = peek();
    if (!t) return true;
    if (t->kind == Tok::Punct) {
      const std::string& p = t->text;
      return p == ")" || p == "]" || p == "}" || p == "\\}" || p == "&" || p == "\\\\" || (p == "|" && abs_depth_ > 0);
    }
    return t->kind == Tok::Cmd && t->text == "end";
  }

  std::vector<ExprPtr> list() {
    DepthGuard g(depth_);
    std::vector<ExprPtr> items;
    while (separator()) {
    }
    while (!at_stop()) {
      items.push_back(relation());
      if (items.size() > 200) throw ParseFail{};
      if (!separator()) break;
      while (separator()) {
      }
    }
    return items;
  }

  const char* relop() const {
    auto t = peek();
    if (!t) return nullptr;
    if (t->kind == Tok::Punct) {
      static const char* const ops[] = {"=", "<", ">", "<=", ">=", "!=", "~"};
      for (auto* o : ops)
        if (t->text == o) return o;
      return nullptr;
    }
    if (t->kind == Tok::Cmd) {
      const std::string& c = t->text;
      if (c == "le" || c == "leq" || c == "leqslant") return "<=";
      if (c == "ge" || c == "geq" || c == "geqslant") return ">=";
      if (c == "lt") return "<";
      if (c == "gt") return ">";
      if (c == "ne" || c == "neq") return "!=";
      if (c == "approx" || c == "sim") return "~";
      if (c == "equiv" || c == "cong") return "=";
      if (c == "in") return "in";
    }
    return nullptr;
  }

  ExprPtr relation() {
    DepthGuard g(depth_);
    ExprPtr a = union_expr();
    const char* op = relop();
    if (!op) return a;
    auto rel = std::make_shared<Expr>();
    rel->op = Op::Rel;
    rel->args.push_back(a);
    while ((op = relop()) != nullptr) {
      ++pos_;
      rel->ops.push_back(op);
      rel->args.push_back(union_expr());
      if (rel->args.size() > 20) throw ParseFail{};
    }
    return rel;
  }

  ExprPtr union_expr() {
    ExprPtr a = sum();
    if (!cmd("cup")) return a;
    std::vector<ExprPtr> parts{a};
    while (cmd("cup")) {
      ++pos_;
      parts.push_back(sum());
    }
    return make_node(Op::Union, parts);
  }

  ExprPtr sum() {
    DepthGuard g(depth_);
    std::vector<ExprPtr> terms;
    ExprPtr acc;
    auto add = [&](ExprPtr t) { terms.push_back(std::move(t)); };
    auto flush = [&]() -> ExprPtr {
      if (terms.size() == 1) return terms[0];
      return make_node(Op::Add, terms);
    };
    if (punct("+")) ++pos_;
    if (punct("-")) {
      ++pos_;
      add(make_node(Op::Neg, {term()}));
    } else if (cmd("pm") || cmd("mp")) {
      ++pos_;
      add(make_node(Op::PlusMinus, {make_num(0, "0"), term()}));
    } else {
      add(term());
    }
    while (true) {
      if (punct("+")) {
        ++pos_;
        add(term());
      } else if (punct("-")) {
        ++pos_;
        add(make_node(Op::Neg, {term()}));
      } else if (cmd("pm") || cmd("mp")) {
        ++pos_;
        ExprPtr left = flush();
        terms.clear();
        add(make_node(Op::PlusMinus, {left, term()}));
      } else {
        break;
      }
      if (terms.size() > 500) throw ParseFail{};
    }
    return flush();
  }

  bool starts_primary() const {
    auto t = peek();
    if (!t) return false;
    switch (t->kind) {
      case Tok::Num: return true;
      case Tok::Ident: {
        std::string w = lower(t->text);
        return !is_connector(w) && !is_percent_word(w);
      }
      case Tok::Text: return true;
      case Tok::Cmd: {
        static const std::set<std::string> not_primary = {
            "cdot", "times", "div", "pm", "mp", "cup", "cap", "setminus", "end", "to", "rightarrow",
            "Rightarrow", "implies", "iff", "le", "leq", "leqslant", "ge", "geq", "geqslant", "lt", "gt",
            "ne", "neq", "approx", "sim", "equiv", "in", "colon", "mid", "cong"};
        return not_primary.count(t->text) == 0;
      }
      case Tok::Punct: return t->text == "(" || t->text == "\\{" || t->text == "{" || (t->text == "|" && abs_depth_ == 0);
    }
    return false;
  }

  ExprPtr times(ExprPtr a, ExprPtr b) {
    std::vector<ExprPtr> args;
    if (a->op == Op::Mul) args = a->args;
    else args.push_back(a);
    args.push_back(std::move(b));
    if (args.size() > 500) throw ParseFail{};
    return make_node(Op::Mul, args);
  }

  ExprPtr term() {
    DepthGuard g(depth_);
    ExprPtr f = unary();
    while (true) {
      auto t = peek();
      if (!t) break;
      if (punct("*") || cmd("cdot") || cmd("times")) {
        ++pos_;
        f = times(f, unary());
      } else if (punct("/") || cmd("div") || (punct(":") && peek(1) && peek(1)->kind != Tok::Punct)) {
        ++pos_;
        f = times(f, make_node(Op::Pow, {unary(), make_num(-1, "-1")}));
      } else if (punct("%") || (t->kind == Tok::Ident && is_percent_word(lower(t->text)))) {
        ++pos_;
        f = make_node(Op::Percent, {f});
      } else if (t->kind == Tok::Text && trim_ws(t->text).empty()) {
        ++pos_;
      } else if (t->kind == Tok::Text && is_percent_word(lower(trim_ws(t->text)))) {
        ++pos_;
        f = make_node(Op::Percent, {f});
      } else if (starts_primary()) {
        if (t->kind == Tok::Text) {
          std::string c = lower(trim_ws(t->text));
          if (c == "and" || c == "or" || c == "," || c == ";") break;
        }
        ExprPtr g2 = power();
        if (is_wordy(*g2) && contains_number(*f)) continue;  // a unit after a number
        f = times(f, g2);
      } else {
        break;
      }
    }
    return f;
  }

  ExprPtr unary() {
    DepthGuard g(depth_);
    if (punct("-")) {
      ++pos_;
      return make_node(Op::Neg, {unary()});
    }
    if (punct("+")) {
      ++pos_;
      return unary();
    }
    if (cmd("pm") || cmd("mp")) {
      ++pos_;
      return make_node(Op::PlusMinus, {make_num(0, "0"), unary()});
    }
    return power();
  }

  ExprPtr exponent() {
    DepthGuard g(depth_);
    if (punct("-")) {
      ++pos_;
      return make_node(Op::Neg, {exponent()});
    }
    if (punct("+")) ++pos_;
    ExprPtr e = primary();
    if (punct("^")) {
      ++pos_;
      e = make_node(Op::Pow, {e, exponent()});
    }
    return e;
  }

  ExprPtr power() {
    DepthGuard g(depth_);
    ExprPtr b = postfix(primary());
    if (punct("^")) {
      ++pos_;
      b = postfix(make_node(Op::Pow, {b, exponent()}));
    }
    return b;
  }

  std::string subscript_text() {
    if (punct("{")) {
      ++pos_;
      std::string s;
      int level = 1;
      while (auto t = peek()) {
        if (t->kind == Tok::Punct && t->text == "{") ++level;
        if (t->kind == Tok::Punct && t->text == "}" && --level == 0) break;
        s += t->text;
        ++pos_;
      }
      expect("}");
      return s;
    }
    auto t = peek();
    if (!t || t->kind == Tok::Punct) throw ParseFail{};
    ++pos_;
    return t->text;
  }

  ExprPtr postfix(ExprPtr b) {
    while (true) {
      if (punct("!")) {
        ++pos_;
        b = make_node(Op::Fact, {b});
      } else if (punct("_")) {
        ++pos_;
        std::string sub = subscript_text();
        if (b->op == Op::Sym) b = make_sym(b->text + "_" + sub, false);
        else if (b->op == Op::Num) b = make_sym(b->text + "_" + sub, false);
        else throw ParseFail{};
      } else if (punct("'")) {
        ++pos_;
      } else {
        return b;
      }
    }
  }

  // A command argument: {group} or a single token.
  ExprPtr arg() {
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

  ExprPtr function(const std::string& name) {
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

  ExprPtr bracket(char open) {
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

  ExprPtr matrix() {
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

  ExprPtr text_token(const Token& t) {
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

  ExprPtr primary() {
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

  std::vector<Token> toks_;
  bool plain_;
  size_t pos_ = 0;
  int depth_ = 0;
  int abs_depth_ = 0;
};

// Drops what carries no value: environments that are not matrices (align, equation) with their
// '&' and row breaks, decorations such as \angle, and a final full stop.
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

bool looks_plain(std::string_view s) {
  for (char c : s)
    if (c == '\\' || c == '$' || c == '{' || c == '^' || c == '_') return false;
  return true;
}

}  // namespace

std::optional<ExprPtr> parse_math(std::string_view text, const ParseOptions& opts) {
  if (text.size() > kMaxAnswerChars) return std::nullopt;
  bool plain = opts.plain.value_or(looks_plain(text));
  std::vector<Token> toks;
  if (!lex_math(text, plain, toks)) return std::nullopt;
  toks = prefilter(std::move(toks));
  if (toks.empty()) return std::nullopt;
  try {
    return Parser(std::move(toks), plain).parse();
  } catch (const ParseFail&) {
    return std::nullopt;
  }
}

}  // namespace zerorl
