#pragma once
// The tokenizer.json "normalizer": NFC / NFD / NFKC / NFKD / Lowercase, or a Sequence of them.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace zerorl {

class Normalizer {
 public:
  enum class Kind { Nfc, Nfd, Nfkc, Nfkd, Lowercase };

  Normalizer() = default;
  // j is the "normalizer" value (null for none); `where` names the file for errors.
  static Normalizer from_json(const nlohmann::json& j, const std::string& where);

  bool empty() const { return steps_.empty(); }
  // Returns s itself when nothing changes, else a view of *buf.
  std::string_view apply(std::string_view s, std::string* buf) const;

 private:
  std::vector<Kind> steps_;
};

}  // namespace zerorl
