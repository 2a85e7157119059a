#pragma once
// Tokens of a math answer. LaTeX spacing, sizing and delimiters are dropped here; Unicode math
// symbols become their LaTeX names; numbers keep thousands separators out of their digits.
#include <string>
#include <string_view>
#include <vector>

namespace zerorl {

enum class Tok {
  Num,    // text: digits with an optional '.', separators removed
  Ident,  // text: a run of letters (or one non-ASCII character)
  Cmd,    // text: command name without the backslash; arg: the environment of begin/end
  Text,   // text: the raw content of \text{...}-like groups; arg: the command
  Punct,  // text: + - * / ^ _ ( ) [ ] { } | , ; ! = < > : & % . <= >= != ~ \{ \} \\ (row break)
};

struct Token {
  Tok kind;
  std::string text;
  std::string arg;
};

// False when the text is too long or holds too many tokens.
bool lex_math(std::string_view s, bool plain, std::vector<Token>& out);

}  // namespace zerorl
