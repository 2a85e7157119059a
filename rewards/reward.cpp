#include "rewards/reward.h"

#include "core/error.h"
#include "core/text.h"

namespace zerorl {

std::string to_string(FinishReason r) {
  switch (r) {
    case FinishReason::Eos: return "eos";
    case FinishReason::Stop: return "stop";
    case FinishReason::Length: return "length";
  }
  return "eos";
}

FinishReason parse_finish_reason(const std::string& s) {
  if (s == "eos") return FinishReason::Eos;
  if (s == "stop") return FinishReason::Stop;
  if (s == "length") return FinishReason::Length;
  throw InputError("finish_reason " + quote(s) + " is not one of eos, stop, length");
}

}  // namespace zerorl
