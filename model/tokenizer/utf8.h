#pragma once
// UTF-8 helpers for the tokenizer: decoding one code point, Unicode classes that Hugging Face's
// Rust code asks of `char`, and the lossy conversion Rust's String::from_utf8_lossy does.
#include <cstdint>
#include <string>
#include <string_view>

namespace zerorl {

// Decodes the code point at s[i] (s must be valid UTF-8) and returns its byte length.
inline int utf8_decode(std::string_view s, size_t i, uint32_t* cp) {
  const auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) { *cp = b; return 1; }
  if (b < 0xE0) { *cp = ((b & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu); return 2; }
  if (b < 0xF0) {
    *cp = ((b & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
    return 3;
  }
  *cp = ((b & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu);
  return 4;
}

// Byte length of the UTF-8 sequence that starts with lead byte b (1 for a stray byte).
inline int utf8_length(unsigned char b) { return b < 0xC0 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4; }

void utf8_append(std::string& out, uint32_t cp);

// Unicode White_Space (Rust char::is_whitespace, Oniguruma \s).
bool is_unicode_space(uint32_t cp);

// Rust char::is_alphanumeric() || c == '_' (the "word" test of added tokens with single_word).
bool is_word_char(uint32_t cp);

// Each maximal invalid subsequence becomes one U+FFFD, as in Rust's String::from_utf8_lossy.
std::string utf8_lossy(std::string_view bytes);

}  // namespace zerorl
