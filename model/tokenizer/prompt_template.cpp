#include "model/tokenizer/prompt_template.h"

#include "core/error.h"
#include "core/text.h"

namespace zerorl {

namespace {

// DeepSeek-R1 paper (arXiv 2501.12948), Table 1.
const char kR1ZeroPrefix[] =
    "A conversation between User and Assistant. The user asks a question, and the Assistant solves it. "
    "The assistant first thinks about the reasoning process in the mind and then provides the user with "
    "the answer. The reasoning process and answer are enclosed within <think> </think> and <answer> "
    "</answer> tags, respectively, i.e., <think> reasoning process here </think> <answer> answer here "
    "</answer>. User: ";
const char kR1ZeroSuffix[] = ". Assistant:";

}  // namespace

const std::vector<std::string>& template_names() {
  static const std::vector<std::string> names{"r1zero", "r1zero_think", "chatml", "raw", "tiny"};
  return names;
}

std::string apply_template(TemplateKind kind, std::string_view question) {
  const std::string q(question);
  switch (kind) {
    case TemplateKind::R1Zero:
      return kR1ZeroPrefix + q + kR1ZeroSuffix;
    case TemplateKind::R1ZeroThink:
      return kR1ZeroPrefix + q + kR1ZeroSuffix + " <think>";
    case TemplateKind::ChatML:
      return "<|im_start|>user\n" + q + "<|im_end|>\n<|im_start|>assistant\n";
    case TemplateKind::Raw:
    case TemplateKind::Tiny:
      return q;
  }
  return q;
}

TemplateKind parse_template(const std::string& name) {
  const auto& names = template_names();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<TemplateKind>(i);
  }
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  throw InputError("unknown prompt template " + quote(name) + did_you_mean(name, names) + " (expected one of " +
                   list + ")");
}

std::string template_name(TemplateKind kind) { return template_names()[static_cast<size_t>(kind)]; }

}  // namespace zerorl
