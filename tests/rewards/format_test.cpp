#include <gtest/gtest.h>

#include <string>

#include "rewards/format_rewards.h"

namespace zerorl {
namespace {

struct TextCase {
  const char* text;
  double expected;
};

TEST(FormatReward, NewlinesTable) {
  const TextCase cases[] = {
      {"<think>\nreasoning\n</think>\n<answer>\n42\n</answer>", 1.0},
      {"<think>\n\n</think>\n<answer>\n\n</answer>", 1.0},  // empty bodies, as open-r1's .*?
      {"<think>\na\nb\n</think>\n<answer>\nx\ny\n</answer>", 1.0},
      {"<think>reasoning</think><answer>42</answer>", 0.0},  // no newlines
      {"<think>\nreasoning\n</think>\n<answer>\n42\n</answer>\nmore", 0.0},  // text after the answer
      {"prefix <think>\nr\n</think>\n<answer>\n4\n</answer>", 0.0},
      {"<think>\nr\n</think>\n<answer>\n4\n</answer>\n<answer>\n5\n</answer>", 0.0},  // repeated tag
      {"<think>\nr\n</think>\n</think>\n<answer>\n4\n</answer>", 0.0},
      {"<think>\nr\n</answer>\n<answer>\n4\n</think>", 0.0},  // wrong order
      {"<think>\nr\n</think>\n<answer>\n4", 0.0},             // unclosed
      {"<think>\nr\n</think>\n\n<answer>\n4\n</answer>", 0.0},  // a blank line between the blocks
      {"", 0.0},
  };
  for (auto& c : cases) EXPECT_EQ(format_score(c.text, true), c.expected) << c.text;
}

TEST(FormatReward, NoNewlinesTable) {
  const TextCase cases[] = {
      {"<think>12+30=42</think><answer>42</answer>", 1.0},
      {"  <think>a</think>\n <answer>42</answer>\n", 1.0},
      {"<think>\nr\n</think>\n<answer>\n4\n</answer>", 1.0},
      {"<think>a</think>x<answer>42</answer>", 0.0},  // text between the blocks
      {"x<think>a</think><answer>42</answer>", 0.0},
      {"<think>a</think><answer>42</answer>x", 0.0},
      {"<think>a</think><answer>4</answer><answer>2</answer>", 0.0},
      {"<think>a<think>b</think><answer>42</answer>", 0.0},
      {"<answer>42</answer><think>a</think>", 0.0},
      {"<think>a</think>", 0.0},
      {"<think>a</think><answer>42", 0.0},
  };
  for (auto& c : cases) EXPECT_EQ(format_score(c.text, false), c.expected) << c.text;
}

TEST(FormatReward, PrefilledThinkIsPutBack) {
  EXPECT_EQ(with_prefill("Q: 2+2?\nAssistant: <think>", "\n4\n</think>\n<answer>\n4\n</answer>"),
            "<think>\n4\n</think>\n<answer>\n4\n</answer>");
  // Whitespace the template put after <think> belongs to the scored text.
  EXPECT_EQ(with_prefill("A: <think>\n", "4\n</think>\n<answer>\n4\n</answer>"),
            "<think>\n4\n</think>\n<answer>\n4\n</answer>");
  EXPECT_EQ(with_prefill("no think here", "abc"), "abc");
  EXPECT_EQ(with_prefill("", "abc"), "abc");
  EXPECT_EQ(format_score(with_prefill("A: <think>\n", "4\n</think>\n<answer>\n4\n</answer>"), true), 1.0);
  EXPECT_EQ(format_score("4\n</think>\n<answer>\n4\n</answer>", true), 0.0);
  EXPECT_EQ(format_score(with_prefill("<think>", "2+2</think><answer>4</answer>"), false), 1.0);
}

TEST(TagCountReward, Table) {
  const TextCase cases[] = {
      {"<think>\nr\n</think>\n<answer>\n4\n</answer>", 1.0},
      {"<think>\nr\n</think>\n4\n</answer>", 0.75},
      {"<think>\nr\n</think>\n<answer>\n4\n</answer>\n</answer>", 0.75},  // a repeated tag earns nothing
      {"<think>r</think><answer>4</answer>", 0.0},
      {"plain text", 0.0},
  };
  for (auto& c : cases) EXPECT_EQ(tag_count_score(c.text, true), c.expected) << c.text;
  EXPECT_EQ(tag_count_score("<think>r</think><answer>4</answer>", false), 1.0);
  EXPECT_EQ(tag_count_score("<think>r</think><answer>4", false), 0.75);
  EXPECT_EQ(tag_count_score("<think><think></think>", false), 0.25);
}

TEST(ThinkFormatReward, Table) {
  const TextCase cases[] = {
      {"<think>r</think>answer", 1.0},
      {"<think></think>", 1.0},
      {"<think>\nr\n</think>\n<answer>4</answer>", 1.0},
      {" <think>r</think>", 0.0},  // must start with the tag
      {"<think>r", 0.0},
      {"<think>a<think>b</think>", 0.0},
      {"<think>a</think><think>b</think>", 0.0},
      {"r</think>", 0.0},
  };
  for (auto& c : cases) EXPECT_EQ(think_format_score(c.text), c.expected) << c.text;
}

TEST(ReasoningStepsReward, Table) {
  const TextCase cases[] = {
      {"Step 1: a\nStep 2: b\nStep 3: c", 1.0},
      {"Step 1: a\nStep 2: b\nStep 3: c\nStep 4: d", 1.0},  // capped at 1
      {"First, a. Second, b.", 2.0 / 3},
      {"1. a\n2. b", 1.0 / 3},  // only the first "N." counts (no re.MULTILINE upstream)
      {"a\n- b\n* c", 2.0 / 3},
      {"Step one: no digits", 0.0},
      {"", 0.0},
  };
  for (auto& c : cases) EXPECT_DOUBLE_EQ(reasoning_steps_score(c.text, 3), c.expected) << c.text;
  EXPECT_DOUBLE_EQ(reasoning_steps_score("First, a", 1), 1.0);
}

}  // namespace
}  // namespace zerorl
