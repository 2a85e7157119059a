#pragma once
// Added (and special) tokens of tokenizer.json, found in the text before pre-tokenization, with
// Hugging Face's rules: leftmost-longest matches, single_word, lstrip and rstrip.
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace zerorl {

struct AddedToken {
  int32_t id = -1;
  std::string content;
  bool single_word = false;  // only when not inside a word
  bool lstrip = false;       // swallows the whitespace on its left
  bool rstrip = false;       // swallows the whitespace on its right
  bool normalized = true;    // matched in the normalized text (else in the raw text)
  bool special = false;      // dropped by decode(skip_special = true)
};

class AddedTokenMatcher {
 public:
  // `patterns[i]` is what is searched for token tokens[i] (its content, normalized when the token is).
  void add(const AddedToken& token, std::string pattern);
  bool empty() const { return entries_.empty(); }

  // Cuts s into added-token matches and the text between them, left to right:
  // fn(text, -1) for plain text (never empty), fn(matched text, id) for an added token.
  void split(std::string_view s, const std::function<void(std::string_view, int32_t)>& fn) const;

 private:
  struct Entry {
    std::string pattern;
    AddedToken token;
  };
  std::vector<Entry> entries_;
  std::array<std::vector<int>, 256> by_first_byte_;  // entries starting with that byte, longest first
};

}  // namespace zerorl
