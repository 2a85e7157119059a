#include "rewards/math_expr.h"

namespace zerorl {

ExprPtr make_num(double v, std::string text) {
  auto e = std::make_shared<Expr>();
  e->op = Op::Num;
  e->value = v;
  e->text = std::move(text);
  return e;
}

ExprPtr make_sym(std::string name, bool word) {
  auto e = std::make_shared<Expr>();
  e->op = Op::Sym;
  e->text = std::move(name);
  e->word = word;
  return e;
}

ExprPtr make_node(Op op, std::vector<ExprPtr> args, std::string text) {
  auto e = std::make_shared<Expr>();
  e->op = op;
  e->args = std::move(args);
  e->text = std::move(text);
  return e;
}

std::string to_string(const Expr& e) {
  static const char* const names[] = {"num", "sym", "const", "+", "*", "^", "neg", "func", "!", "abs",
                                      "pm", "%", "bracket", "set", "list", "union", "matrix", "rel", "text"};
  std::string s;
  if (e.op == Op::Num || e.op == Op::Sym || e.op == Op::Const) return e.text;
  if (e.op == Op::Text) return "\"" + e.text + "\"";
  s = "(";
  s += names[static_cast<int>(e.op)];
  if (e.op == Op::Func) s += ":" + e.text;
  if (e.op == Op::Bracket) s += std::string(":") + e.open + e.close;
  if (e.op == Op::Matrix) s += ":" + std::to_string(e.cols);
  for (size_t i = 0; i < e.args.size(); ++i) {
    s += " " + to_string(*e.args[i]);
    if (e.op == Op::Rel && i < e.ops.size()) s += " " + e.ops[i];
  }
  return s + ")";
}

}  // namespace zerorl
