#include "rewards/math_answer.h"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

namespace zerorl {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string_view trim_view(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Trailing full stops and commas, leading ':' / '=' and "is".
std::string clean(std::string_view s) {
  s = trim_view(s);
  while (!s.empty() && (s.back() == '.' || s.back() == ',' || s.back() == ';')) s = trim_view(s.substr(0, s.size() - 1));
  while (!s.empty() && (s.front() == ':' || s.front() == '=')) s = trim_view(s.substr(1));
  if (s.size() > 3 && (s.substr(0, 3) == "is " || s.substr(0, 3) == "Is ")) s = trim_view(s.substr(3));
  return std::string(s);
}

// Case-insensitive rfind.
size_t rfind_ci(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return std::string_view::npos;
  for (size_t i = hay.size() - needle.size() + 1; i-- > 0;) {
    bool ok = true;
    for (size_t k = 0; k < needle.size() && ok; ++k)
      ok = std::tolower(static_cast<unsigned char>(hay[i + k])) == needle[k];
    if (ok) return i;
  }
  return std::string_view::npos;
}

// A box longer than this is not an answer; the cap keeps many unclosed boxes linear.
constexpr size_t kMaxBoxScan = 4 * kMaxAnswerChars;
constexpr int kMaxBoxTries = 64;
// "The final answer is ..." is looked for in the last 16 KB only.
constexpr size_t kMarkerWindow = 16 * 1024;
constexpr size_t kMaxBareChars = 200;

struct Span {
  size_t begin = 0, end = 0;  // the whole \boxed{...}
  std::string_view content;
};

// The box whose command starts at `at`; nullopt when its braces do not close.
std::optional<Span> box_at(std::string_view s, size_t at, size_t cmd_len) {
  size_t i = at + cmd_len;
  while (i < s.size() && s[i] == ' ') ++i;
  if (i >= s.size()) return std::nullopt;
  if (s[i] != '{') {  // \boxed 5
    size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])) && s[j] != '$') ++j;
    if (j == i) return std::nullopt;
    return Span{at, j, s.substr(i, j - i)};
  }
  int level = 0;
  size_t stop = std::min(s.size(), i + kMaxBoxScan);
  for (size_t j = i; j < stop; ++j) {
    if (s[j] == '\\' && j + 1 < s.size()) {
      ++j;
      continue;
    }
    if (s[j] == '{') ++level;
    else if (s[j] == '}' && --level == 0) return Span{at, j + 1, s.substr(i + 1, j - i - 1)};
  }
  return std::nullopt;
}

// The last complete \boxed{} or \fbox{} ending at or before `limit`.
std::optional<Span> last_box(std::string_view s, size_t limit) {
  size_t from = limit;
  for (int tries = 0; tries < kMaxBoxTries && from != std::string_view::npos && from > 0; ++tries) {
    std::string_view head = s.substr(0, from);
    size_t b = head.rfind("\\boxed");
    size_t f = head.rfind("\\fbox");
    size_t at;
    size_t len;
    if (b == std::string_view::npos && f == std::string_view::npos) return std::nullopt;
    if (f == std::string_view::npos || (b != std::string_view::npos && b > f)) {
      at = b;
      len = 6;
    } else {
      at = f;
      len = 5;
    }
    auto box = box_at(s, at, len);
    if (box && box->end <= limit) return box;
    from = at;
  }
  return std::nullopt;
}

// Between two boxes only joining words: "\boxed{1} and \boxed{2}", "\boxed{(2,2)} \quad \text{and}".
bool joining_gap(std::string_view gap) {
  if (gap.size() > 60) return false;
  int words = 0;
  bool connector = false;
  size_t i = 0;
  while (i < gap.size()) {
    char c = gap[i];
    if (c == '\\') {  // a command such as \quad or \text: not a word
      ++i;
      while (i < gap.size() && is_alpha(gap[i])) ++i;
      continue;
    }
    if (is_alpha(c)) {
      size_t j = i;
      while (j < gap.size() && is_alpha(gap[j])) ++j;
      std::string_view w = gap.substr(i, j - i);
      connector |= w == "and" || w == "or";
      ++words;
      i = j;
      continue;
    }
    ++i;
  }
  // Words are allowed only around "and" / "or" ("\boxed{1} papers and \boxed{2}").
  return words == 0 || (connector && words <= 4);
}

std::optional<std::string> boxed_answer(std::string_view s) {
  auto last = last_box(s, s.size());
  if (!last) return std::nullopt;
  std::vector<std::string_view> parts{last->content};
  size_t start = last->begin;
  for (int k = 0; k < 16; ++k) {
    auto prev = last_box(s, start);
    if (!prev || !joining_gap(s.substr(prev->end, start - prev->end))) break;
    parts.push_back(prev->content);
    start = prev->begin;
  }
  std::string joined;
  for (size_t i = parts.size(); i-- > 0;) {
    joined += parts[i];
    if (i > 0) joined += ", ";
  }
  if (trim_view(joined).empty()) return std::nullopt;
  return "$" + joined + "$";
}

// Short, and no two words in a row: an answer rather than a sentence ("28 percent", "x \in [0,1)").
bool looks_bare(std::string_view s) {
  if (s.empty() || s.size() > kMaxBareChars || s.find("\\boxed") != std::string_view::npos) return false;
  int depth = 0;
  for (char c : s) {
    depth += c == '{' ? 1 : c == '}' ? -1 : 0;
    if (depth < 0) return false;
  }
  if (depth != 0) return false;
  int run = 0;
  bool any_math = false;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '\\') {
      ++i;
      while (i < s.size() && is_alpha(s[i])) ++i;
      any_math = true;
      continue;
    }
    if (is_alpha(c)) {
      size_t j = i;
      while (j < s.size() && is_alpha(s[j])) ++j;
      if (j - i >= 2) {
        if (++run >= 2) return false;
      } else {
        any_math = true;
        run = 0;
      }
      i = j;
      continue;
    }
    if (is_digit(c) || c == '(' || c == '[' || c == '=' || c == '+' || c == '-' || c == '/') {
      any_math = true;
      run = 0;
    } else if (c != ' ') {
      run = 0;
    }
    ++i;
  }
  return any_math;
}

bool has_math_delimiter(std::string_view s) {
  return s.find('$') != std::string_view::npos || s.find("\\(") != std::string_view::npos ||
         s.find("\\[") != std::string_view::npos;
}

struct Found {
  std::string text;
  size_t end = 0;
};

// The last $...$, $$...$$, \(...\) or \[...\] segment.
// Inline math ($...$, \(...\)) does not span lines; such a pair is not math and the number
// inside it is not an answer either (Math-Verify's convention): *skip is its extent.
std::optional<Found> last_math_segment(std::string_view s, std::pair<size_t, size_t>* skip) {
  std::optional<Found> last;
  size_t i = 0;
  while (i < s.size()) {
    size_t open_len = 0;
    std::string_view close;
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '(' || s[i + 1] == '[')) {
      open_len = 2;
      close = s[i + 1] == '(' ? "\\)" : "\\]";
    } else if (s[i] == '\\' && i + 1 < s.size()) {
      i += 2;  // an escaped character such as \$
      continue;
    } else if (s[i] == '$') {
      bool dbl = i + 1 < s.size() && s[i + 1] == '$';
      open_len = dbl ? 2 : 1;
      close = dbl ? "$$" : "$";
    } else {
      ++i;
      continue;
    }
    size_t from = i + open_len;
    size_t j = s.find(close, from);
    while (j != std::string_view::npos && close == "$" && j > 0 && s[j - 1] == '\\') j = s.find(close, j + 1);
    if (j == std::string_view::npos) break;
    std::string_view content = trim_view(s.substr(from, j - from));
    bool inline_math = close == "$" || close == "\\)";
    if (inline_math && s.substr(from, j - from).find('\n') != std::string_view::npos) {
      *skip = {i, j + close.size()};
    } else if (!content.empty()) {
      last = Found{"$" + std::string(content) + "$", j + close.size()};
    }
    i = j + close.size();
  }
  return last;
}

// The last number: "-1,000.5", "3/4", "28%".
std::optional<Found> last_number(std::string_view s) {
  size_t r = s.size();
  while (r > 0 && !is_digit(s[r - 1])) --r;
  if (r == 0) return std::nullopt;
  size_t l = r;
  while (l > 0) {
    char c = s[l - 1];
    if (is_digit(c)) --l;
    else if ((c == ',' || c == '.') && l >= 2 && is_digit(s[l - 2])) --l;
    else if (c == '/' && l >= 2 && is_digit(s[l - 2])) --l;
    else break;
  }
  if (l > 0 && s[l - 1] == '.') --l;  // ".4"
  if (l > 0 && s[l - 1] == '-' && (l == 1 || !is_alpha(s[l - 2]))) --l;
  size_t end = r;
  if (end < s.size() && s[end] == '%') ++end;
  return Found{std::string(s.substr(l, end - l)), end};
}

std::optional<std::string> math_or_number(std::string_view s) {
  std::pair<size_t, size_t> skip{0, 0};
  auto seg = last_math_segment(s, &skip);
  auto num = last_number(s);
  if (num && num->end > skip.first && num->end <= skip.second) num.reset();
  if (seg && (!num || seg->end >= num->end)) return seg->text;
  if (num) return num->text;
  return std::nullopt;
}

std::optional<std::string> candidate(std::string_view text) {
  auto box = last_box(text, text.size());
  // Only a marker after the last box matters, and only near the end of the text.
  size_t from = box ? box->begin : 0;
  if (text.size() - from > kMarkerWindow) from = text.size() - kMarkerWindow;
  std::string_view window = text.substr(from);
  static const char* const markers[] = {"final answer", "answer is", "answer:", "answer ="};
  size_t best = std::string_view::npos, best_len = 0;
  for (auto* m : markers) {
    size_t at = rfind_ci(window, m);
    if (at != std::string_view::npos && (best == std::string_view::npos || from + at > best)) {
      best = from + at;
      best_len = std::string_view(m).size();
    }
  }
  // A box wins unless a "final answer is ..." comes after it.
  if (box && (best == std::string_view::npos || best < box->end)) {
    if (auto b = boxed_answer(text)) return b;
  }
  if (best != std::string_view::npos) {
    std::string_view tail = text.substr(best + best_len);
    size_t nl = tail.find('\n', tail.find_first_not_of(" \n:") == std::string_view::npos ? 0 : tail.find_first_not_of(" \n:"));
    if (nl != std::string_view::npos) tail = tail.substr(0, nl);
    std::string t = clean(tail);
    if (!has_math_delimiter(t) && looks_bare(t)) return t;
    if (auto m = math_or_number(t)) return m;
  }
  if (box) {
    if (auto b = boxed_answer(text)) return b;
  }
  if (text.size() <= 2 * kMaxBareChars) {
    std::string whole = clean(text);
    if (!has_math_delimiter(whole) && looks_bare(whole)) return whole;
  }
  return math_or_number(text);
}

std::string gold_candidate(std::string_view gold) {
  size_t hashes = gold.rfind("####");
  if (hashes != std::string_view::npos) return clean(gold.substr(hashes + 4));
  if (auto b = boxed_answer(gold)) return *b;
  return clean(gold);
}

// Spacing and delimiters removed: identical answers need no parse ("12:00").
std::string squash(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == ' ' || c == '$' || c == '\n' || c == '\t') continue;
    if (c == '\\' && i + 1 < s.size() && (s[i + 1] == ',' || s[i + 1] == '!' || s[i + 1] == ';' || s[i + 1] == ' ')) {
      ++i;
      continue;
    }
    out += c;
  }
  return out;
}

bool is_prose(const Expr& e) { return e.op == Op::Text && e.text.find(' ') != std::string::npos; }

}  // namespace

std::optional<std::string> extract_answer(std::string_view completion, bool require_tags) {
  size_t close = completion.rfind("</answer>");
  if (close != std::string_view::npos) {
    size_t open = completion.substr(0, close).rfind("<answer>");
    if (open != std::string_view::npos) {
      std::string_view inner = trim_view(completion.substr(open + 8, close - open - 8));
      if (inner.empty()) return std::nullopt;
      return candidate(inner);
    }
  }
  if (require_tags) return std::nullopt;
  auto c = candidate(completion);
  if (c && trim_view(*c).empty()) return std::nullopt;
  return c;
}

std::optional<ExprPtr> parse_answer(std::string_view answer) {
  std::string a = clean(answer);
  if (a.empty() || a.size() > kMaxAnswerChars) return std::nullopt;
  if (auto e = parse_math(a)) return e;
  if (auto ex = extract_answer(a, false); ex && *ex != a) {
    std::string b = clean(*ex);
    if (!b.empty()) return parse_math(b);
  }
  return std::nullopt;
}

std::optional<GoldAnswer> prepare_gold(std::string_view gold) {
  try {
    std::string g = gold_candidate(gold);
    std::optional<ExprPtr> e;
    if (!g.empty() && g.size() <= kMaxAnswerChars) e = parse_math(g);
    if (!e) {
      if (auto ex = extract_answer(gold, false)) e = parse_math(clean(*ex));
    }
    // Prose in plain text ("forty two") is not a gold answer; \text{...} in LaTeX is.
    if (!e || (is_prose(**e) && g.find('\\') == std::string::npos)) return std::nullopt;
    return GoldAnswer{*e, g};
  } catch (...) {
    return std::nullopt;
  }
}

std::optional<ExprPtr> parse_gold(std::string_view gold) {
  auto g = prepare_gold(gold);
  if (!g) return std::nullopt;
  return g->expr;
}

bool matches_gold(std::string_view predicted, const GoldAnswer& gold, const CompareOptions& opts) {
  try {
    std::string p = squash(predicted);
    if (!p.empty() && p == squash(gold.text)) return true;
    auto e = parse_answer(predicted);
    return e && math_equal(*e, gold.expr, opts);
  } catch (...) {  // bad_alloc and the like: not equal, never a crash
    return false;
  }
}

bool answers_equal(std::string_view predicted, std::string_view gold) {
  return answers_equal(predicted, gold, CompareOptions{});
}

bool answers_equal(std::string_view predicted, std::string_view gold, const CompareOptions& opts) {
  auto g = prepare_gold(gold);
  return g && matches_gold(predicted, *g, opts);
}

}  // namespace zerorl
