#include "model/tokenizer/added_tokens.h"

#include <algorithm>

#include "model/tokenizer/utf8.h"

namespace zerorl {

namespace {

uint32_t last_char(std::string_view s) {
  size_t i = s.size() - 1;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  uint32_t cp;
  utf8_decode(s, i, &cp);
  return cp;
}

uint32_t first_char(std::string_view s) {
  uint32_t cp;
  utf8_decode(s, 0, &cp);
  return cp;
}

// Start of the run of whitespace that ends s.
size_t trailing_space_start(std::string_view s) {
  size_t end = s.size();
  while (end > 0) {
    size_t i = end - 1;
    while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
    uint32_t cp;
    utf8_decode(s, i, &cp);
    if (!is_unicode_space(cp)) break;
    end = i;
  }
  return end;
}

// Length of the run of whitespace that starts s.
size_t leading_space_length(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp;
    const int n = utf8_decode(s, i, &cp);
    if (!is_unicode_space(cp)) break;
    i += n;
  }
  return i;
}

}  // namespace

void AddedTokenMatcher::add(const AddedToken& token, std::string pattern) {
  if (pattern.empty()) return;  // an empty token can never be matched
  const int index = static_cast<int>(entries_.size());
  entries_.push_back({std::move(pattern), token});
  auto& bucket = by_first_byte_[static_cast<unsigned char>(entries_.back().pattern[0])];
  bucket.push_back(index);
  std::stable_sort(bucket.begin(), bucket.end(), [&](int a, int b) {
    return entries_[a].pattern.size() > entries_[b].pattern.size();
  });
}

void AddedTokenMatcher::split(std::string_view s,
                              const std::function<void(std::string_view, int32_t)>& fn) const {
  size_t done = 0;  // text before this offset has been handed to fn
  size_t i = 0;
  while (i < s.size()) {
    const auto& bucket = by_first_byte_[static_cast<unsigned char>(s[i])];
    const Entry* hit = nullptr;
    for (int e : bucket) {
      const std::string& p = entries_[e].pattern;
      if (s.compare(i, p.size(), p) == 0) {
        hit = &entries_[e];
        break;
      }
    }
    if (!hit) {
      ++i;
      continue;
    }
    size_t start = i, stop = i + hit->pattern.size();
    i = stop;  // like Aho-Corasick's iterator, the next search starts after this match even if it is dropped
    const AddedToken& t = hit->token;
    if (t.single_word) {
      const bool space_before = start == 0 || !is_word_char(last_char(s.substr(0, start)));
      const bool space_after = stop == s.size() || !is_word_char(first_char(s.substr(stop)));
      if (!space_before || !space_after) continue;
    }
    if (t.lstrip) start = std::max(trailing_space_start(s.substr(0, start)), done);
    if (t.rstrip) stop += leading_space_length(s.substr(stop));
    if (start > done) fn(s.substr(done, start - done), -1);
    fn(s.substr(start, stop - start), t.id);
    done = stop;
    i = std::max(i, stop);
  }
  if (done < s.size()) fn(s.substr(done), -1);
}

}  // namespace zerorl
