#include "rewards/format_rewards.h"

#include <algorithm>
#include <cctype>

namespace zerorl {
namespace {

size_t count_of(std::string_view s, std::string_view needle) {
  size_t n = 0;
  for (size_t at = s.find(needle); at != std::string_view::npos; at = s.find(needle, at + needle.size())) ++n;
  return n;
}

bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim_ws(std::string_view s) {
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string with_prefill(std::string_view prompt, std::string_view completion) {
  size_t end = prompt.size();
  while (end > 0 && space(prompt[end - 1])) --end;
  std::string_view head = prompt.substr(0, end);
  const std::string_view tag = "<think>";
  if (head.size() < tag.size() || head.substr(head.size() - tag.size()) != tag) return std::string(completion);
  std::string text(tag);
  text.append(prompt.substr(end));  // the whitespace the template put after <think>
  text.append(completion);
  return text;
}

double format_score(std::string_view text, bool newlines) {
  // Each tag exactly once: "nothing else" rules out a second block (open-r1's lazy regex would
  // accept one; we are stricter and say so in the tests).
  for (std::string_view tag : {"<think>", "</think>", "<answer>", "</answer>"})
    if (count_of(text, tag) != 1) return 0.0;
  if (newlines) {
    // "<think>\n" body "\n</think>\n<answer>\n" body "\n</answer>"; either body may be empty.
    const std::string_view head = "<think>\n", mid = "\n</think>\n<answer>\n", tail = "\n</answer>";
    if (text.substr(0, head.size()) != head) return 0.0;
    if (text.size() < tail.size() || text.substr(text.size() - tail.size()) != tail) return 0.0;
    size_t m = text.find(mid);
    if (m == std::string_view::npos || m < head.size()) return 0.0;
    return m + mid.size() <= text.size() - tail.size() ? 1.0 : 0.0;
  }
  std::string_view t = trim_ws(text);
  if (t.substr(0, 7) != "<think>") return 0.0;
  size_t close_think = t.find("</think>");
  std::string_view rest = trim_ws(t.substr(close_think + 8));
  if (rest.substr(0, 8) != "<answer>") return 0.0;
  if (rest.size() < 9 || rest.substr(rest.size() - 9) != "</answer>") return 0.0;
  return 1.0;
}

double tag_count_score(std::string_view text, bool newlines) {
  double score = 0;
  if (newlines) {
    for (std::string_view tag : {"<think>\n", "\n</think>\n", "\n<answer>\n", "\n</answer>"})
      if (count_of(text, tag) == 1) score += 0.25;
  } else {
    for (std::string_view tag : {"<think>", "</think>", "<answer>", "</answer>"})
      if (count_of(text, tag) == 1) score += 0.25;
  }
  return score;
}

double think_format_score(std::string_view text) {
  const std::string_view open = "<think>";
  if (text.substr(0, open.size()) != open) return 0.0;
  if (text.find(open, open.size()) != std::string_view::npos) return 0.0;
  return text.find("</think>", open.size()) != std::string_view::npos ? 1.0 : 0.0;
}

double reasoning_steps_score(std::string_view text, int steps) {
  // open-r1's pattern (Step \d+:|^\d+\.|\n-|\n\*|First,|Second,|Next,|Finally,) without
  // re.MULTILINE: "^" matches only at the start. Matches do not overlap (re.findall).
  size_t count = 0, i = 0;
  auto digits_then = [&](size_t j, char end) -> size_t {  // length of \d+<end> at j, or 0
    size_t k = j;
    while (k < text.size() && std::isdigit(static_cast<unsigned char>(text[k]))) ++k;
    if (k == j || k >= text.size() || text[k] != end) return 0;
    return k + 1 - j;
  };
  if (size_t n = digits_then(0, '.')) {
    ++count;
    i = n;
  }
  while (i < text.size()) {
    size_t len = 0;
    std::string_view rest = text.substr(i);
    if (rest.substr(0, 5) == "Step ") {
      if (size_t n = digits_then(i + 5, ':')) len = 5 + n;
    }
    if (!len && (rest.substr(0, 2) == "\n-" || rest.substr(0, 2) == "\n*")) len = 2;
    for (std::string_view w : {"First,", "Second,", "Next,", "Finally,"})
      if (!len && rest.substr(0, w.size()) == w) len = w.size();
    if (len) {
      ++count;
      i += len;
    } else {
      ++i;
    }
  }
  if (steps <= 0) return 1.0;
  return std::min(1.0, static_cast<double>(count) / steps);
}

}  // namespace zerorl
