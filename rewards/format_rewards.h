#pragma once
// The R1 template rewards: format (open-r1), tag_count (open-r1), think_format (TRL) and
// reasoning_steps (open-r1), as pure functions of the text they score.
#include <string>
#include <string_view>

namespace zerorl {

// The text a format reward scores: when the prompt ends with "<think>" (and optional
// whitespace), the completion continues inside the think block, so the prefix is put back.
std::string with_prefill(std::string_view prompt, std::string_view completion);

// 1 when the text is exactly <think>...</think> then <answer>...</answer>, each tag once.
// newlines = true: open-r1's "<think>\n...\n</think>\n<answer>\n...\n</answer>".
// newlines = false: optional whitespace around and between the two blocks, nothing else.
double format_score(std::string_view text, bool newlines);

// open-r1: 0.25 for each of "<think>\n", "\n</think>\n", "\n<answer>\n", "\n</answer>" that
// occurs exactly once (without the newlines when newlines = false).
double tag_count_score(std::string_view text, bool newlines);

// TRL: 1 when the text starts with <think>, holds no second <think>, and closes </think>.
double think_format_score(std::string_view text);

// open-r1: min(1, matches / steps) where matches counts "Step N:", "N." at the very start,
// "\n-", "\n*", "First,", "Second,", "Next,", "Finally,".
double reasoning_steps_score(std::string_view text, int steps);

}  // namespace zerorl
