#pragma once
// GPT-2's byte-level alphabet: every byte is shown as one printable Unicode character
// (bytes 0x21-0x7E, 0xA1-0xAC, 0xAE-0xFF as themselves, the other 68 as U+0100 onwards).
#include <cstdint>
#include <string>
#include <string_view>

namespace zerorl {

// The character (code point) that stands for byte b.
uint32_t byte_level_char(unsigned char b);

// The bytes written in the alphabet: "Hello world" -> "HelloĠworld".
std::string to_byte_level(std::string_view bytes);

// Back to raw bytes. False (out untouched) when a character is outside the alphabet.
bool from_byte_level(std::string_view token, std::string* out);

}  // namespace zerorl
