#pragma once
// Error types and the exit codes of DESIGN.md. Only main() catches; each error is one line.
#include <stdexcept>
#include <string>
#include <vector>

namespace zerorl {

constexpr int kExitOk = 0;
constexpr int kExitRunFailure = 1;   // failure during the run
constexpr int kExitBadInput = 2;     // usage, config, data, tokenizer, checkpoint: found before the first step
constexpr int kExitSigint = 130;
constexpr int kExitSigterm = 143;

// A problem with what the user gave us (exit 2). The message names the file, line, key or value.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Several config problems, reported all at once (exit 2), one line each.
class ConfigError : public InputError {
 public:
  explicit ConfigError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// A failure during the run (exit 1).
class RunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A subcommand or option whose machinery is not built yet (exit 2).
class NotAvailable : public InputError {
 public:
  explicit NotAvailable(const std::string& what) : InputError("not available yet: " + what) {}
};

}  // namespace zerorl
