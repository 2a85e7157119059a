#include "rewards/math_lexer.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "rewards/math_expr.h"

namespace zerorl {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Commands we know by name; an unknown run such as "\quadx" is split at the longest known prefix.
const std::vector<std::string>& known_commands() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v = {
        "frac", "dfrac", "tfrac", "cfrac", "sqrt", "pi", "infty", "infin", "cdot", "times", "div", "pm",
        "mp", "le", "leq", "leqslant", "ge", "geq", "geqslant", "lt", "gt", "ne", "neq", "approx", "sim",
        "equiv", "in", "cup", "cap", "setminus", "emptyset", "varnothing", "sin", "cos", "tan", "sec",
        "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "ln", "log", "exp", "lg",
        "boxed", "fbox", "left", "right", "big", "Big", "bigl", "bigr", "Bigl", "Bigr", "bigg", "Bigg",
        "biggl", "biggr", "displaystyle", "textstyle", "quad", "qquad", "text", "textbf", "textit",
        "textrm", "textnormal", "textsf", "texttt", "mbox", "mathrm", "mathbf", "mathit", "mathsf",
        "mathbb", "mathcal", "operatorname", "boldsymbol", "begin", "end", "circ", "degree", "dots",
        "ldots", "cdots", "to", "rightarrow", "Rightarrow", "implies", "iff", "alpha", "beta", "gamma",
        "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota", "kappa", "lambda",
        "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega",
        "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega", "overline",
        "vec", "hat", "bar", "tilde", "angle", "triangle", "prime", "hspace", "vspace", "phantom",
        "limits", "nolimits", "colon", "mid", "binom", "dbinom", "tbinom", "mod", "bmod", "pmod", "gcd",
        "lcm", "max", "min", "det", "sum", "prod", "dagger", "cong", "parallel", "perp"};
    std::sort(v.begin(), v.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    return v;
  }();
  return names;
}

bool known_command(std::string_view name) {
  for (auto& k : known_commands())
    if (k == name) return true;
  return false;
}

const char* const kTextCommands[] = {"text", "textbf", "textit", "textrm", "textnormal", "textsf",
                                     "texttt", "mbox", "mathrm", "mathbf", "mathit", "mathsf",
                                     "mathbb", "mathcal", "operatorname", "boldsymbol"};
const char* const kDropCommands[] = {"left", "right", "big", "Big", "bigl", "bigr", "Bigl", "Bigr",
                                     "bigg", "Bigg", "biggl", "biggr", "displaystyle", "textstyle",
                                     "quad", "qquad", "limits", "nolimits", "circ", "degree", "prime"};

bool in_list(std::string_view name, const char* const* list, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (name == list[i]) return true;
  return false;
}

class Lexer {
 public:
  Lexer(std::string_view s, bool plain, std::vector<Token>& out) : s_(s), plain_(plain), out_(out) {}

  bool run() {
    const size_t max_tokens = 4 * kMaxAnswerChars;
    while (i_ < s_.size()) {
      if (out_.size() > max_tokens) return false;
      char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '~' || c == '$' || c == '\f' || c == '\v') {
        ++i_;
      } else if (is_digit(c) || (c == '.' && i_ + 1 < s_.size() && is_digit(s_[i_ + 1]))) {
        number();
      } else if (is_alpha(c)) {
        size_t j = i_;
        while (j < s_.size() && is_alpha(s_[j])) ++j;
        emit(Tok::Ident, std::string(s_.substr(i_, j - i_)));
        i_ = j;
      } else if (c == '\\') {
        command();
      } else if (static_cast<unsigned char>(c) >= 0x80) {
        unicode();
      } else {
        punct();
      }
    }
    return true;
  }

 private:
  void emit(Tok kind, std::string text, std::string arg = "") {
    // A digit standing alone as an argument (\frac12, \sqrt3, x^2) has been emitted by number();
    // any other token ends that state.
    if (kind != Tok::Num) single_digits_ = 0;
    out_.push_back(Token{kind, std::move(text), std::move(arg)});
  }

  bool digits_at(size_t pos, size_t count) const {
    if (pos + count > s_.size()) return false;
    for (size_t k = 0; k < count; ++k)
      if (!is_digit(s_[pos + k])) return false;
    return pos + count == s_.size() || !is_digit(s_[pos + count]);
  }

  void number() {
    if (single_digits_ > 0 && is_digit(s_[i_])) {
      --single_digits_;
      int keep = single_digits_;
      out_.push_back(Token{Tok::Num, std::string(1, s_[i_]), ""});
      single_digits_ = keep;
      ++i_;
      return;
    }
    std::string digits;
    size_t group_start = i_;
    while (i_ < s_.size() && is_digit(s_[i_])) digits += s_[i_++];
    size_t first_group = i_ - group_start;
    bool grouped = false;
    // Thousands separators: "7,425,000", "11,\! 111", and in plain text "1 000".
    while (i_ < s_.size() && depth_ == 0 && first_group >= 1 && first_group <= 3 && digits[0] != '0') {
      size_t j = i_;
      if (s_.compare(j, 3, "{,}") == 0) {
        j += 3;
      } else if (s_[j] == ',') {
        ++j;
        if (s_.compare(j, 2, "\\!") == 0) {
          j += 2;
          while (j < s_.size() && s_[j] == ' ') ++j;
        }
      } else if (s_[j] == ' ' && plain_ && !grouped) {
        ++j;
      } else {
        break;
      }
      if (!digits_at(j, 3)) break;
      // "1,000, 2" stays a thousands number; "12,102" inside brackets was excluded by depth_.
      digits.append(s_.substr(j, 3));
      i_ = j + 3;
      grouped = true;
    }
    bool has_point = false;
    if (i_ + 1 < s_.size() && s_[i_] == '.' && is_digit(s_[i_ + 1])) {
      has_point = true;
      digits += '.';
      ++i_;
      while (i_ < s_.size() && is_digit(s_[i_])) digits += s_[i_++];
    } else if (plain_ && !grouped && depth_ == 0 && i_ + 1 < s_.size() && s_[i_] == ',' && is_digit(s_[i_ + 1])) {
      // Decimal comma in plain text ("1,22", "0,111", "1000,99"), unless it starts a list ("1,2,3").
      size_t j = i_ + 1;
      while (j < s_.size() && is_digit(s_[j])) ++j;
      bool list_follows = j + 1 < s_.size() && s_[j] == ',' && is_digit(s_[j + 1]);
      bool thousands_like = (j - i_ - 1) == 3 && digits != "0";
      if (!list_follows && !thousands_like) {
        has_point = true;
        digits += '.';
        digits.append(s_.substr(i_ + 1, j - i_ - 1));
        i_ = j;
      }
    }
    if (digits.empty() || digits[0] == '.') digits.insert(digits.begin(), '0');
    // Scientific notation in plain text: 1e-5, 2.5E3.
    if (plain_ && i_ + 1 < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      size_t j = i_ + 1;
      if (j < s_.size() && (s_[j] == '+' || s_[j] == '-')) ++j;
      if (j < s_.size() && is_digit(s_[j])) {
        std::string exp(1, 'e');
        exp.append(s_.substr(i_ + 1, j - i_ - 1));
        while (j < s_.size() && is_digit(s_[j])) exp += s_[j++];
        digits += exp;
        i_ = j;
      }
    }
    (void)has_point;
    single_digits_ = 0;
    out_.push_back(Token{Tok::Num, digits, ""});
  }

  // The raw content of a {...} group starting at i_ (which must be '{'); i_ moves past it.
  bool braced(std::string& content) {
    if (i_ >= s_.size() || s_[i_] != '{') return false;
    int level = 0;
    size_t start = i_ + 1;
    for (size_t j = i_; j < s_.size(); ++j) {
      if (s_[j] == '\\' && j + 1 < s_.size()) {
        ++j;
        continue;
      }
      if (s_[j] == '{') ++level;
      if (s_[j] == '}' && --level == 0) {
        content = std::string(s_.substr(start, j - start));
        i_ = j + 1;
        return true;
      }
    }
    return false;
  }

  void skip_spaces() {
    while (i_ < s_.size() && s_[i_] == ' ') ++i_;
  }

  void command() {
    size_t j = i_ + 1;
    if (j >= s_.size()) {
      ++i_;
      return;
    }
    char c = s_[j];
    if (c == '\\') {
      // "\\frac" written with a doubled backslash is still \frac; otherwise "\\" is a row break.
      size_t k = j + 1;
      while (k < s_.size() && is_alpha(s_[k])) ++k;
      if (k > j + 1 && known_command(s_.substr(j + 1, k - j - 1))) {
        i_ = j;
        command();
        return;
      }
      emit(Tok::Punct, "\\\\");
      i_ = j + 1;
      return;
    }
    if (!is_alpha(c)) {
      i_ = j + 1;
      switch (c) {
        case '{': ++depth_; emit(Tok::Punct, "\\{"); break;
        case '}': if (depth_ > 0) --depth_; emit(Tok::Punct, "\\}"); break;
        case '|': emit(Tok::Punct, "|"); break;
        case '%': emit(Tok::Punct, "%"); break;
        default: break;  // \, \! \; \: \  \$ \( \) \[ \] \&: spacing, delimiters, escapes
      }
      return;
    }
    size_t k = j;
    while (k < s_.size() && is_alpha(s_[k])) ++k;
    std::string name(s_.substr(j, k - j));
    if (!known_command(name)) {
      for (auto& known : known_commands()) {
        if (name.size() > known.size() && name.compare(0, known.size(), known) == 0) {
          k = j + known.size();
          name = known;
          break;
        }
      }
    }
    i_ = k;
    if (in_list(name, kDropCommands, sizeof(kDropCommands) / sizeof(*kDropCommands))) {
      if ((name == "left" || name == "right") && i_ < s_.size() && s_[i_] == '.') ++i_;
      return;
    }
    if (name == "hspace" || name == "vspace" || name == "phantom") {
      skip_spaces();
      std::string ignored;
      braced(ignored);
      return;
    }
    if (in_list(name, kTextCommands, sizeof(kTextCommands) / sizeof(*kTextCommands))) {
      skip_spaces();
      std::string content;
      if (braced(content)) emit(Tok::Text, content, name);
      return;
    }
    if (name == "begin" || name == "end") {
      skip_spaces();
      std::string env;
      braced(env);
      if (name == "begin" && env == "array") {
        skip_spaces();
        std::string spec;
        braced(spec);
      }
      emit(Tok::Cmd, name, env);
      return;
    }
    emit(Tok::Cmd, name);
    {
      if (name == "frac" || name == "dfrac" || name == "tfrac" || name == "cfrac" || name == "binom" ||
          name == "dbinom" || name == "tbinom")
        single_digits_ = 2;
      else if (name == "sqrt")
        single_digits_ = 1;
    }
    if (i_ < s_.size() && s_[i_] == ' ') skip_spaces();
  }

  void unicode() {
    struct Map {
      const char* utf8;
      Tok kind;
      const char* text;
    };
    static const Map maps[] = {
        {"\xE2\x88\x92", Tok::Punct, "-"},  {"\xE2\x80\x93", Tok::Punct, "-"},  {"\xC3\x97", Tok::Punct, "*"},
        {"\xC3\xB7", Tok::Punct, "/"},      {"\xC2\xB7", Tok::Punct, "*"},      {"\xE2\x8B\x85", Tok::Punct, "*"},
        {"\xCF\x80", Tok::Cmd, "pi"},       {"\xE2\x88\x9A", Tok::Cmd, "sqrt"}, {"\xE2\x88\x9E", Tok::Cmd, "infty"},
        {"\xE2\x89\xA4", Tok::Punct, "<="}, {"\xE2\x89\xA5", Tok::Punct, ">="}, {"\xE2\x89\xA0", Tok::Punct, "!="},
        {"\xE2\x89\x88", Tok::Punct, "~"},  {"\xE2\x88\xAA", Tok::Cmd, "cup"},  {"\xE2\x88\x88", Tok::Cmd, "in"},
        {"\xC2\xB2", Tok::Num, "2"},        {"\xC2\xB3", Tok::Num, "3"},
    };
    for (auto& m : maps) {
      size_t len = std::strlen(m.utf8);
      if (s_.compare(i_, len, m.utf8) == 0) {
        i_ += len;
        if (m.kind == Tok::Num) emit(Tok::Punct, "^");
        emit(m.kind, m.text);
        return;
      }
    }
    // Degree sign, currency, no-break space: dropped. Any other character is a word of its own.
    static const char* const drops[] = {"\xC2\xB0", "\xE2\x82\xAC", "\xC2\xA3", "\xC2\xA5", "\xC2\xA0",
                                        "\xE2\x80\xAF", "\xE2\x80\x89"};
    for (auto* d : drops) {
      size_t len = std::strlen(d);
      if (s_.compare(i_, len, d) == 0) {
        i_ += len;
        return;
      }
    }
    unsigned char lead = static_cast<unsigned char>(s_[i_]);
    size_t len = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    len = std::min(len, s_.size() - i_);
    emit(Tok::Ident, std::string(s_.substr(i_, len)), "unicode");
    i_ += len;
  }

  void punct() {
    char c = s_[i_];
    char n = i_ + 1 < s_.size() ? s_[i_ + 1] : '\0';
    auto two = [&](const char* t) {
      emit(Tok::Punct, t);
      i_ += 2;
    };
    if (c == '<' && n == '=') return two("<=");
    if (c == '>' && n == '=') return two(">=");
    if (c == '!' && n == '=') return two("!=");
    if (c == '=' && n == '=') return two("=");
    if (c == ':' && n == '=') return two("=");
    if (c == '=' && n == '>') return two("=>");
    if (c == '^') {  // degrees: ^\circ, ^{\circ}
      size_t j = i_ + 1;
      while (j < s_.size() && s_[j] == ' ') ++j;
      for (const char* deg : {"\\circ", "{\\circ}", "{ \\circ }", "{\\circ }", "\\degree"}) {
        size_t len = std::strlen(deg);
        if (s_.compare(j, len, deg) == 0) {
          i_ = j + len;
          return;
        }
      }
    }
    if (c == '(' || c == '[') ++depth_;
    if ((c == ')' || c == ']') && depth_ > 0) --depth_;
    emit(Tok::Punct, std::string(1, c));
    ++i_;
    if ((c == '^' || c == '_') && !plain_) single_digits_ = 1;
  }

  std::string_view s_;
  bool plain_;
  std::vector<Token>& out_;
  size_t i_ = 0;
  int depth_ = 0;          // bracket depth: a comma inside brackets separates items
  int single_digits_ = 0;  // digits still to be read one at a time (\frac12)
};

}  // namespace

bool lex_math(std::string_view s, bool plain, std::vector<Token>& out) {
  if (s.size() > kMaxAnswerChars) return false;
  return Lexer(s, plain, out).run();
}

}  // namespace zerorl
