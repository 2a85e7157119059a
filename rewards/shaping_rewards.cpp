#include "rewards/shaping_rewards.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include <utf8proc.h>

namespace zerorl {

double cosine_score(bool correct, double length, const CosineParams& p) {
  double progress = p.max_len > 0 ? std::min(1.0, std::max(0.0, length) / p.max_len) : 1.0;
  double cosine = std::cos(progress * M_PI);
  // Wrong answers swap the ends so that short wrong answers are punished most.
  double lo = correct ? p.min_value_correct : p.max_value_wrong;
  double hi = correct ? p.max_value_correct : p.min_value_wrong;
  return lo + 0.5 * (hi - lo) * (1.0 + cosine);
}

std::vector<double> length_scores(const std::vector<double>& lengths, const std::vector<bool>& correct) {
  std::vector<double> out(lengths.size(), 0.0);
  if (lengths.empty()) return out;
  auto [lo_it, hi_it] = std::minmax_element(lengths.begin(), lengths.end());
  double lo = *lo_it, hi = *hi_it;
  if (hi == lo) return out;
  for (size_t i = 0; i < lengths.size(); ++i) {
    double lambda = 0.5 - (lengths[i] - lo) / (hi - lo);
    out[i] = correct[i] ? lambda : std::min(0.0, lambda);
  }
  return out;
}

double repetition_penalty_score(const std::vector<std::string>& words, int ngram_size, double max_penalty) {
  if (ngram_size <= 0 || words.size() < static_cast<size_t>(ngram_size)) return 0.0;
  std::set<std::vector<std::string>> distinct;
  size_t total = 0;
  for (size_t i = 0; i + ngram_size <= words.size(); ++i) {
    distinct.emplace(words.begin() + i, words.begin() + i + ngram_size);
    ++total;
  }
  double scaling = 1.0 - static_cast<double>(distinct.size()) / static_cast<double>(total);
  return scaling * max_penalty;
}

std::vector<std::string> lower_words(std::string_view text) {
  std::vector<std::string> words;
  std::string cur;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) words.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  return words;
}

double soft_overlong_score(int64_t length, int64_t max_len, int64_t cache_len) {
  int64_t expected = max_len - cache_len;
  if (length <= expected) return 0.0;
  if (length <= max_len && cache_len > 0) return static_cast<double>(expected - length) / static_cast<double>(cache_len);
  return -1.0;
}

namespace {

struct Range {
  int32_t lo, hi;
};

const std::vector<Range>& script_ranges(const std::string& script) {
  static const std::vector<Range> latin = {{0x41, 0x5A}, {0x61, 0x7A}, {0xC0, 0x24F}, {0x1E00, 0x1EFF}};
  static const std::vector<Range> han = {{0x4E00, 0x9FFF}, {0x3400, 0x4DBF}, {0xF900, 0xFAFF}, {0x20000, 0x2FFFF}};
  static const std::vector<Range> cyrillic = {{0x400, 0x52F}};
  static const std::vector<Range> arabic = {{0x600, 0x6FF}, {0x750, 0x77F}};
  static const std::vector<Range> greek = {{0x370, 0x3FF}};
  static const std::vector<Range> hangul = {{0xAC00, 0xD7AF}, {0x1100, 0x11FF}};
  static const std::vector<Range> kana = {{0x3040, 0x30FF}};
  static const std::vector<Range> devanagari = {{0x900, 0x97F}};
  static const std::vector<Range> none;
  if (script == "latin") return latin;
  if (script == "han") return han;
  if (script == "cyrillic") return cyrillic;
  if (script == "arabic") return arabic;
  if (script == "greek") return greek;
  if (script == "hangul") return hangul;
  if (script == "kana") return kana;
  if (script == "devanagari") return devanagari;
  return none;
}

}  // namespace

const std::vector<std::string>& language_scripts() {
  static const std::vector<std::string> s = {"latin", "han", "cyrillic", "arabic", "greek", "hangul", "kana", "devanagari"};
  return s;
}

std::optional<double> language_score(std::string_view text, const std::string& script) {
  const auto& ranges = script_ranges(script);
  size_t letters = 0, in_script = 0;
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(text.size());
  while (left > 0) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) {  // invalid UTF-8: skip the byte
      ++p;
      --left;
      continue;
    }
    p += n;
    left -= n;
    utf8proc_category_t cat = utf8proc_category(cp);
    bool letter = cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LT ||
                  cat == UTF8PROC_CATEGORY_LM || cat == UTF8PROC_CATEGORY_LO;
    if (!letter) continue;
    ++letters;
    for (auto& r : ranges)
      if (cp >= r.lo && cp <= r.hi) {
        ++in_script;
        break;
      }
  }
  if (letters == 0) return std::nullopt;
  return static_cast<double>(in_script) / static_cast<double>(letters);
}

}  // namespace zerorl
