#pragma once
// JSON-lines input and output.
#include <cstdio>
#include <functional>
#include <istream>
#include <string>

#include <nlohmann/json.hpp>

namespace zerorl {

// Calls fn(row, line_number) for each non-empty line of a JSONL file. A line that is not a JSON object,
// or is not valid UTF-8, throws InputError "FILE:LINE: reason". fn may throw InputError itself; its message
// is prefixed with "FILE:LINE: ". With skip_bad, bad lines are skipped and counted in *skipped instead.
void read_jsonl(const std::string& path,
                const std::function<void(const nlohmann::json& row, long line)>& fn,
                bool skip_bad = false, long* skipped = nullptr);

// Calls fn(line, line_number) for each line of `in` that is not blank, without a trailing '\r';
// a read error throws InputError naming `name`.
void for_each_line(std::istream& in, const std::string& name, const std::function<void(const std::string& line, long n)>& fn);

// Parse one JSON line; throws InputError naming `where` (e.g. "stdin:3").
nlohmann::json parse_json_line(const std::string& line, const std::string& where);

// Appends one JSON object per line and flushes after each (metrics.jsonl, eval.jsonl, completions.jsonl).
class JsonlWriter {
 public:
  JsonlWriter() = default;
  explicit JsonlWriter(const std::string& path, bool append = true);
  ~JsonlWriter();
  JsonlWriter(const JsonlWriter&) = delete;
  JsonlWriter& operator=(const JsonlWriter&) = delete;
  void open(const std::string& path, bool append = true);
  void write(const nlohmann::json& row);
  bool is_open() const { return f_ != nullptr; }

 private:
  std::FILE* f_ = nullptr;
  std::string path_;
};

// JSON dump that never throws on invalid UTF-8 (bad bytes become U+FFFD).
std::string to_json_line(const nlohmann::json& j);

}  // namespace zerorl
