#pragma once
// The expression tree of a parsed math answer (LaTeX or plain text), and its parser.
// The parser is our own: no eval, bounded recursion depth and input size, never throws.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zerorl {

enum class Op {
  Num,        // text: the digits as written ("1000.99"), value: the number
  Sym,        // text: the name ("x", "x_1", "\\alpha"); word: a multi-letter word (unit or text)
  Const,      // text: "pi" | "e" | "inf"
  Add,        // sum of args (subtraction is Add + Neg)
  Mul,        // product of args (division is Mul + Pow(.., -1))
  Pow,        // args[0] ^ args[1]
  Neg,        // -args[0]
  Func,       // text: "sin", "log", ...; args: the arguments
  Fact,       // args[0]!
  Abs,        // |args[0]|
  PlusMinus,  // args[0] ± args[1]
  Percent,    // args[0] %
  Bracket,    // open/close: "(", "[" / ")", "]"; args: two or more items (tuple or interval)
  Set,        // \{ ... \}: unordered
  List,       // bare comma (or "and") separated items: unordered
  Union,      // A \cup B \cup ...
  Matrix,     // cols: columns; args: the cells, row by row
  Rel,        // ops: the relations between consecutive args ("=", "<", "<=", ">", ">=", "!=", "~", "in")
  Text,       // text: normalised words
};

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;

struct Expr {
  Op op = Op::Num;
  std::string text;
  double value = 0;
  bool word = false;
  char open = 0, close = 0;
  int cols = 0;
  std::vector<std::string> ops;
  std::vector<ExprPtr> args;
};

// Builders (shared by the parser and the comparison's rewrites).
ExprPtr make_num(double v, std::string text);
ExprPtr make_sym(std::string name, bool word = false);
ExprPtr make_node(Op op, std::vector<ExprPtr> args, std::string text = "");

// Inputs longer than this are not parsed (an answer, not a document).
constexpr size_t kMaxAnswerChars = 2000;
// Deepest recursion the parser follows before giving up: about 60 levels of brackets (each
// bracket costs ~8 grammar levels), far beyond real answers, far below the stack's limit.
constexpr int kMaxParseDepth = 500;

struct ParseOptions {
  // Plain text (no LaTeX markers): "1,22" is a decimal comma and "1 000" a thousands separator.
  // Detected from the text when unset.
  std::optional<bool> plain;
};

// nullopt when the text is not a math answer we understand.
std::optional<ExprPtr> parse_math(std::string_view text, const ParseOptions& opts = {});

// A readable rendering for test messages and debugging.
std::string to_string(const Expr& e);

}  // namespace zerorl
