#pragma once
// Stop strings matched on the decoded bytes of a completion, across token boundaries.
// Each new token's bytes are appended; only the tail that can hold a match ending in the new
// bytes is searched, so a step costs O(new bytes + longest stop string), not O(text).
#include <cstddef>
#include <string>
#include <vector>

namespace zerorl {

class StopStrings {
 public:
  StopStrings() = default;
  explicit StopStrings(std::vector<std::string> stops);

  bool empty() const { return stops_.empty(); }

  // `text` holds the completion's bytes, of which the first `old_size` were already searched.
  // Returns the byte offset where the earliest stop string ending in the new bytes starts,
  // or std::string::npos.
  size_t find(const std::string& text, size_t old_size) const;

 private:
  std::vector<std::string> stops_;
  size_t longest_ = 0;
};

}  // namespace zerorl
