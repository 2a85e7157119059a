#pragma once
// A compiled Unicode regex (PCRE2, UTF + UCP, JIT) for the pre-tokenizer split patterns of
// tokenizer.json. The patterns are written for Oniguruma (Hugging Face's Rust library); the few
// escapes whose meaning differs in PCRE2 (\s, \S, \h, \H) are rewritten to Oniguruma's meaning.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace zerorl {

class Regex {
 public:
  // Throws InputError "WHERE: cannot compile regex 'P': reason".
  Regex(const std::string& pattern, const std::string& where);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Calls fn(begin, end) for each non-empty, non-overlapping match in s, left to right.
  // s must be valid UTF-8. Throws RunError when the matcher fails (e.g. out of JIT stack).
  void find_all(std::string_view s, const std::function<void(size_t, size_t)>& fn) const;

  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  void* code_ = nullptr;  // pcre2_code_8*
};

// Oniguruma -> PCRE2 rewrite of the class escapes whose meaning differs (exposed for tests).
std::string onig_to_pcre2(const std::string& pattern);

// A literal string as a regex that matches exactly it.
std::string regex_escape(const std::string& literal);

}  // namespace zerorl
