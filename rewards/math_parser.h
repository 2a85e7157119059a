#pragma once
// Internal to the math-answer parser (not for other libraries): the recursive-descent Parser behind
// parse_math(). Its operator grammar (lists, relations, sums, products, powers, postfix) is in
// math_parser.cpp; its atoms (numbers, words, LaTeX commands and environments, brackets, matrices)
// in math_parser_atoms.cpp. A failure is a ParseFail exception, which parse_math() catches.
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "rewards/math_expr.h"
#include "rewards/math_lexer.h"

namespace zerorl::math_parse {

struct ParseFail {};

inline std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

inline std::string trim_ws(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\n\r");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t\n\r");
  return s.substr(a, b - a + 1);
}

// Drops what carries no value: environments that are not matrices (align, equation) with their
// '&' and row breaks, decorations such as \angle, and a final full stop.
std::vector<Token> prefilter(std::vector<Token> toks);

class Parser {
 public:
  Parser(std::vector<Token> toks, bool plain) : toks_(std::move(toks)), plain_(plain) {}

  ExprPtr parse();

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

  // Operator grammar (math_parser.cpp), loosest binding first.
  static ExprPtr textify(const ExprPtr& e);
  bool separator();
  bool at_stop() const;
  std::vector<ExprPtr> list();
  const char* relop() const;
  ExprPtr relation();
  ExprPtr union_expr();
  ExprPtr sum();
  bool starts_primary() const;
  ExprPtr times(ExprPtr a, ExprPtr b);
  ExprPtr term();
  ExprPtr unary();
  ExprPtr exponent();
  ExprPtr power();
  std::string subscript_text();
  ExprPtr postfix(ExprPtr b);

  // Atoms (math_parser_atoms.cpp).
  ExprPtr arg();
  ExprPtr function(const std::string& name);
  ExprPtr bracket(char open);
  ExprPtr matrix();
  ExprPtr text_token(const Token& t);
  ExprPtr primary();

  std::vector<Token> toks_;
  bool plain_;
  size_t pos_ = 0;
  int depth_ = 0;
  int abs_depth_ = 0;
};

}  // namespace zerorl::math_parse
