#include "model/tokenizer/byte_level.h"

#include <array>

#include "model/tokenizer/utf8.h"

namespace zerorl {

namespace {

struct Tables {
  std::array<uint32_t, 256> to_char{};
  std::array<std::string, 256> to_utf8{};
  std::array<int, 324> to_byte{};  // code points 0..323 cover the whole alphabet
  Tables() {
    to_byte.fill(-1);
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      to_char[b] = printable ? static_cast<uint32_t>(b) : next++;
      to_byte[to_char[b]] = b;
      utf8_append(to_utf8[b], to_char[b]);
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

uint32_t byte_level_char(unsigned char b) { return tables().to_char[b]; }

std::string to_byte_level(std::string_view bytes) {
  const Tables& t = tables();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += t.to_utf8[static_cast<unsigned char>(c)];
  return out;
}

bool from_byte_level(std::string_view token, std::string* out) {
  const Tables& t = tables();
  std::string r;
  r.reserve(token.size());
  for (size_t i = 0; i < token.size();) {
    const auto lead = static_cast<unsigned char>(token[i]);
    if (i + utf8_length(lead) > token.size()) return false;
    uint32_t cp;
    i += utf8_decode(token, i, &cp);
    if (cp >= t.to_byte.size() || t.to_byte[cp] < 0) return false;
    r += static_cast<char>(t.to_byte[cp]);
  }
  *out = std::move(r);
  return true;
}

}  // namespace zerorl
