#include "rollout/stop_strings.h"

#include <algorithm>

namespace zerorl {

StopStrings::StopStrings(std::vector<std::string> stops) : stops_(std::move(stops)) {
  for (auto& s : stops_) longest_ = std::max(longest_, s.size());
}

size_t StopStrings::find(const std::string& text, size_t old_size) const {
  if (text.size() == old_size) return std::string::npos;
  size_t best = std::string::npos;
  for (auto& s : stops_) {
    if (s.empty() || s.size() > text.size()) continue;
    // A match that ends in the new bytes starts at or after old_size - (|s| - 1).
    const size_t from = old_size + 1 > s.size() ? old_size + 1 - s.size() : 0;
    const size_t at = text.find(s, from);
    if (at != std::string::npos && at < best) best = at;
  }
  return best;
}

}  // namespace zerorl
