#include "model/tokenizer/normalizer.h"

#include <cstdlib>

#include <utf8proc.h>

#include "core/error.h"
#include "model/tokenizer/utf8.h"

namespace zerorl {

namespace {

void add_steps(const nlohmann::json& j, const std::string& where, const std::string& key,
               std::vector<Normalizer::Kind>& steps) {
  if (j.is_null()) return;
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) {
    throw InputError(where + ": " + key + " must be an object with a \"type\"");
  }
  const std::string type = j["type"];
  if (type == "NFC") steps.push_back(Normalizer::Kind::Nfc);
  else if (type == "NFD") steps.push_back(Normalizer::Kind::Nfd);
  else if (type == "NFKC") steps.push_back(Normalizer::Kind::Nfkc);
  else if (type == "NFKD") steps.push_back(Normalizer::Kind::Nfkd);
  else if (type == "Lowercase") steps.push_back(Normalizer::Kind::Lowercase);
  else if (type == "Sequence") {
    if (!j.contains("normalizers") || !j["normalizers"].is_array()) {
      throw InputError(where + ": " + key + ".normalizers must be an array");
    }
    for (size_t i = 0; i < j["normalizers"].size(); ++i) {
      add_steps(j["normalizers"][i], where, key + ".normalizers[" + std::to_string(i) + "]", steps);
    }
  } else {
    throw InputError(where + ": " + key + ".type \"" + type +
                     "\" is not supported (supported: NFC, NFD, NFKC, NFKD, Lowercase, Sequence)");
  }
}

// True when the normal form surely leaves s unchanged. NFC: every code point below U+0300 (no combining
// marks, singleton decompositions or Hangul). `ascii_only` for the forms that decompose Latin-1 letters.
bool trivially_normal(std::string_view s, bool ascii_only) {
  const unsigned char limit = ascii_only ? 0x80 : 0xCC;  // 0xCC 0x80 is U+0300
  for (char ch : s) {
    if (static_cast<unsigned char>(ch) >= limit) return false;
  }
  return true;
}

std::string utf8proc_apply(std::string_view s, int options) {
  utf8proc_uint8_t* out = nullptr;
  const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                                          static_cast<utf8proc_ssize_t>(s.size()), &out,
                                          static_cast<utf8proc_option_t>(options));
  if (n < 0) throw InputError(std::string("tokenizer normalizer: ") + utf8proc_errmsg(n));
  std::string r(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
  std::free(out);
  return r;
}

std::string lowercase(std::string_view s) {
  std::string r;
  r.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    i += utf8_decode(s, i, &cp);
    utf8_append(r, static_cast<uint32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp))));
  }
  return r;
}

}  // namespace

Normalizer Normalizer::from_json(const nlohmann::json& j, const std::string& where) {
  Normalizer n;
  add_steps(j, where, "normalizer", n.steps_);
  return n;
}

std::string_view Normalizer::apply(std::string_view s, std::string* buf) const {
  std::string_view cur = s;
  for (Kind k : steps_) {
    std::string next;
    switch (k) {
      case Kind::Nfc:
        if (trivially_normal(cur, false)) continue;
        next = utf8proc_apply(cur, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
        break;
      case Kind::Nfd:
        if (trivially_normal(cur, true)) continue;  // Latin-1 letters decompose
        next = utf8proc_apply(cur, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE);
        break;
      case Kind::Nfkc:
        if (trivially_normal(cur, true)) continue;
        next = utf8proc_apply(cur, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
        break;
      case Kind::Nfkd:
        if (trivially_normal(cur, true)) continue;
        next = utf8proc_apply(cur, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT);
        break;
      case Kind::Lowercase:
        next = lowercase(cur);
        break;
    }
    *buf = std::move(next);
    cur = *buf;
  }
  return cur;
}

}  // namespace zerorl
