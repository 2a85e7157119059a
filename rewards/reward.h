#pragma once
// The reward interface: a reward sees the prompt, the completion, the whole dataset row, the
// completion's token count and why generation stopped, and returns a score or "no score".
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace zerorl {

// Why generation stopped: the EOS token, a stop string, or max_new_tokens.
enum class FinishReason { Eos, Stop, Length };
std::string to_string(FinishReason r);                  // "eos" | "stop" | "length"
FinishReason parse_finish_reason(const std::string& s);  // throws InputError naming the value

struct RewardInput {
  std::string prompt;          // prompt text, including a prefilled "<think>" if the template ends with it
  std::string completion;      // decoded completion (no stop string, no EOS text)
  const nlohmann::json* row;   // the whole dataset row (never null; may be an empty object)
  int64_t completion_tokens = 0;
  FinishReason finish_reason = FinishReason::Eos;
};

using Score = std::optional<double>;  // nullopt = "no score": left out of the mean and counted

class Reward {
 public:
  virtual ~Reward() = default;
  // One score per input, in order.
  virtual std::vector<Score> score(const std::vector<RewardInput>& batch) = 0;
};

}  // namespace zerorl
