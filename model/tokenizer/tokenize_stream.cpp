#include "model/tokenizer/tokenize_stream.h"

#include <istream>
#include <ostream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/text.h"

namespace zerorl {

void tokenize_stream(const Tokenizer& tok, std::istream& in, std::ostream& out, bool json_input,
                     const std::string& where) {
  std::string line, text, buf;
  long number = 0;
  while (std::getline(in, line, '\n')) {
    ++number;
    const std::string at = where + ":" + std::to_string(number) + ": ";
    const std::string* source = &line;
    if (json_input && !line.empty()) {
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(line);
      } catch (const nlohmann::json::parse_error& e) {
        throw InputError(at + "not a JSON string: " + quote(line, 60));
      }
      if (!j.is_string()) throw InputError(at + "not a JSON string: " + quote(line, 60));
      text = j.get<std::string>();
      source = &text;
    }
    size_t bad = 0;
    if (!valid_utf8(*source, &bad)) throw InputError(at + "invalid UTF-8 at byte " + std::to_string(bad + 1));
    std::vector<int32_t> ids;
    try {
      ids = tok.encode(*source);
    } catch (const InputError& e) {
      throw InputError(at + e.what());
    }
    buf.assign("[");
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i) buf += ',';
      buf += std::to_string(ids[i]);
    }
    buf += "]\n";
    out << buf;
    out.flush();
  }
}

}  // namespace zerorl
