#include "core/jsonl.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/error.h"
#include "core/text.h"

namespace zerorl {

nlohmann::json parse_json_line(const std::string& line, const std::string& where) {
  size_t bad = 0;
  if (!valid_utf8(line, &bad))
    throw InputError(where + ": invalid UTF-8 at byte " + std::to_string(bad + 1));
  nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw InputError(where + ": not valid JSON: " + quote(line, 60));
  if (!j.is_object()) throw InputError(where + ": expected a JSON object, got " + quote(line, 60));
  return j;
}

void read_jsonl(const std::string& path, const std::function<void(const nlohmann::json&, long)>& fn,
                bool skip_bad, long* skipped) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read " + path + ": " + std::strerror(errno));
  for_each_line(in, path, [&](const std::string& line, long n) {
    std::string where = path + ":" + std::to_string(n);
    try {
      nlohmann::json row = parse_json_line(line, where);
      try {
        fn(row, n);
      } catch (const InputError& e) {
        std::string msg = e.what();
        throw InputError(starts_with(msg, path + ":") ? msg : where + ": " + msg);
      }
    } catch (const InputError&) {
      if (!skip_bad) throw;
      if (skipped) ++*skipped;
    }
  });
}

void for_each_line(std::istream& in, const std::string& name, const std::function<void(const std::string&, long)>& fn) {
  std::string line;
  long n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty()) continue;
    fn(line, n);
  }
  if (in.bad()) throw InputError("cannot read " + name + ": read error");
}

std::string to_json_line(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

JsonlWriter::JsonlWriter(const std::string& path, bool append) { open(path, append); }

JsonlWriter::~JsonlWriter() {
  if (f_) std::fclose(f_);
}

void JsonlWriter::open(const std::string& path, bool append) {
  if (f_) std::fclose(f_);
  path_ = path;
  f_ = std::fopen(path.c_str(), append ? "ab" : "wb");
  if (!f_) throw RunError("cannot open " + path + " for writing: " + std::strerror(errno));
}

void JsonlWriter::write(const nlohmann::json& row) {
  if (!f_) return;
  std::string s = to_json_line(row) + "\n";
  if (std::fwrite(s.data(), 1, s.size(), f_) != s.size() || std::fflush(f_) != 0)
    throw RunError("cannot write " + path_ + ": " + std::strerror(errno));
}

}  // namespace zerorl
