// Recursive-descent parser for math answers, its operator grammar: lists, relations, unions,
// sums, products (implicit ones, and units after numbers), powers and postfix operators. The atoms
// are in math_parser_atoms.cpp. Internally a failure is a ParseFail exception; parse_math()
// catches it and returns nullopt.
#include <set>
#include <string>
#include <vector>

#include "rewards/math_expr.h"
#include "rewards/math_lexer.h"
#include "rewards/math_parser.h"

namespace zerorl {
namespace math_parse {
namespace {

bool is_percent_word(const std::string& w) { return w == "percent" || w == "pct" || w == "percentage"; }
bool is_connector(const std::string& w) { return w == "and" || w == "or"; }

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

}  // namespace

ExprPtr Parser::parse() {
  auto items = list();
  if (pos_ != toks_.size()) throw ParseFail{};
  if (items.empty()) throw ParseFail{};
  for (auto& it : items) it = textify(it);
  return items.size() == 1 ? items[0] : make_node(Op::List, items);
}

ExprPtr Parser::textify(const ExprPtr& e) {
  if (!is_wordy(*e)) return e;
  std::vector<std::string> words;
  collect_words(*e, words);
  std::string joined;
  for (auto& w : words) joined += (joined.empty() ? "" : " ") + w;
  auto t = make_node(Op::Text, {}, joined);
  return t;
}

bool Parser::separator() {
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

bool Parser::at_stop() const {
  auto t = peek();
  if (!t) return true;
  if (t->kind == Tok::Punct) {
    const std::string& p = t->text;
    return p == ")" || p == "]" || p == "}" || p == "\\}" || p == "&" || p == "\\\\" || (p == "|" && abs_depth_ > 0);
  }
  return t->kind == Tok::Cmd && t->text == "end";
}

std::vector<ExprPtr> Parser::list() {
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

const char* Parser::relop() const {
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

ExprPtr Parser::relation() {
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

ExprPtr Parser::union_expr() {
  ExprPtr a = sum();
  if (!cmd("cup")) return a;
  std::vector<ExprPtr> parts{a};
  while (cmd("cup")) {
    ++pos_;
    parts.push_back(sum());
  }
  return make_node(Op::Union, parts);
}

ExprPtr Parser::sum() {
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

bool Parser::starts_primary() const {
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

ExprPtr Parser::times(ExprPtr a, ExprPtr b) {
  std::vector<ExprPtr> args;
  if (a->op == Op::Mul) args = a->args;
  else args.push_back(a);
  args.push_back(std::move(b));
  if (args.size() > 500) throw ParseFail{};
  return make_node(Op::Mul, args);
}

ExprPtr Parser::term() {
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

ExprPtr Parser::unary() {
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

ExprPtr Parser::exponent() {
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

ExprPtr Parser::power() {
  DepthGuard g(depth_);
  ExprPtr b = postfix(primary());
  if (punct("^")) {
    ++pos_;
    b = postfix(make_node(Op::Pow, {b, exponent()}));
  }
  return b;
}

std::string Parser::subscript_text() {
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

ExprPtr Parser::postfix(ExprPtr b) {
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

}  // namespace math_parse

namespace {

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
  toks = math_parse::prefilter(std::move(toks));
  if (toks.empty()) return std::nullopt;
  try {
    return math_parse::Parser(std::move(toks), plain).parse();
  } catch (const math_parse::ParseFail&) {
    return std::nullopt;
  }
}

}  // namespace zerorl
