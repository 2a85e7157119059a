#pragma once
// Small string helpers shared by every library.
#include <string>
#include <string_view>
#include <vector>

namespace zerorl {

// Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate within a small distance, or "" when none is close.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

std::vector<std::string> split(std::string_view s, char sep);
std::string trim(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);

// Quote a value for an error message, cut to a readable length.
std::string quote(std::string_view value, size_t max_len = 80);

// True when s is valid UTF-8; when not, *bad_offset is the first bad byte.
bool valid_utf8(std::string_view s, size_t* bad_offset = nullptr);

}  // namespace zerorl
