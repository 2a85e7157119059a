#pragma once
// Shaping rewards as pure functions: cosine-scaled correctness (open-r1 / TRL), Kimi 1.5 length
// reward (open-r1 len_reward), n-gram repetition penalty, DAPO soft overlong punishment and
// R1's language consistency.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zerorl {

struct CosineParams {
  double min_value_wrong = -1.0;
  double max_value_wrong = -0.5;
  double min_value_correct = 0.5;
  double max_value_correct = 1.0;
  double max_len = 1000;
};
// Short correct answers earn max_value_correct, long ones min_value_correct; short wrong ones
// are punished most (min_value_wrong). Lengths past max_len count as max_len (TRL).
double cosine_score(bool correct, double length, const CosineParams& p);

// Kimi 1.5 within one group: lambda = 0.5 - (len - min) / (max - min); correct answers get
// lambda, wrong ones min(0, lambda); all 0 when every length is equal.
std::vector<double> length_scores(const std::vector<double>& lengths, const std::vector<bool>& correct);

// (1 - distinct n-grams / n-grams) * max_penalty; 0 with fewer than n words.
double repetition_penalty_score(const std::vector<std::string>& words, int ngram_size, double max_penalty);
// open-r1's words: text.lower().split().
std::vector<std::string> lower_words(std::string_view text);

// DAPO: 0 up to max_len - cache_len tokens, then a linear ramp to -1 at max_len, -1 beyond.
double soft_overlong_score(int64_t length, int64_t max_len, int64_t cache_len);

// Share of letters in the reasoning that belong to `script` (latin, han, cyrillic, arabic,
// greek, hangul, kana, devanagari). nullopt when the text has no letters.
std::optional<double> language_score(std::string_view text, const std::string& script);
const std::vector<std::string>& language_scripts();

}  // namespace zerorl
