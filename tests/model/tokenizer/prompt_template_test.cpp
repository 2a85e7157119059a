#include <string>

#include <gtest/gtest.h>

#include "core/error.h"
#include "model/tokenizer/prompt_template.h"

namespace zerorl {
namespace {

// The R1-Zero template as printed in the DeepSeek-R1 paper (Table 1), with {prompt} = "What is 2+3?".
const std::string kR1 =
    "A conversation between User and Assistant. The user asks a question, and the Assistant solves it. The "
    "assistant first thinks about the reasoning process in the mind and then provides the user with the answer. "
    "The reasoning process and answer are enclosed within <think> </think> and <answer> </answer> tags, "
    "respectively, i.e., <think> reasoning process here </think> <answer> answer here </answer>. User: What is "
    "2+3?. Assistant:";

TEST(PromptTemplate, R1ZeroInThePapersWords) { EXPECT_EQ(apply_template(TemplateKind::R1Zero, "What is 2+3?"), kR1); }

TEST(PromptTemplate, R1ZeroThinkPrefillsThink) {
  EXPECT_EQ(apply_template(TemplateKind::R1ZeroThink, "What is 2+3?"), kR1 + " <think>");
}

TEST(PromptTemplate, ChatML) {
  EXPECT_EQ(apply_template(TemplateKind::ChatML, "Hi\nthere"),
            "<|im_start|>user\nHi\nthere<|im_end|>\n<|im_start|>assistant\n");
}

TEST(PromptTemplate, RawAndTinyKeepTheQuestion) {
  EXPECT_EQ(apply_template(TemplateKind::Raw, " 347+285= "), " 347+285= ");
  EXPECT_EQ(apply_template(TemplateKind::Tiny, "347+285="), "347+285=");
}

TEST(PromptTemplate, ParseNames) {
  const std::vector<std::pair<std::string, TemplateKind>> rows = {
      {"r1zero", TemplateKind::R1Zero}, {"r1zero_think", TemplateKind::R1ZeroThink},
      {"chatml", TemplateKind::ChatML}, {"raw", TemplateKind::Raw}, {"tiny", TemplateKind::Tiny}};
  for (const auto& [name, kind] : rows) {
    EXPECT_EQ(parse_template(name), kind) << name;
    EXPECT_EQ(template_name(kind), name);
  }
}

TEST(PromptTemplate, UnknownNameSuggestsTheClosest) {
  try {
    parse_template("chatm");
    FAIL() << "no error";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'chatm'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("did you mean 'chatml'"), std::string::npos) << msg;
  }
  EXPECT_THROW(parse_template(""), InputError);
  EXPECT_THROW(parse_template("R1Zero"), InputError);
}

}  // namespace
}  // namespace zerorl
