#pragma once
// Prompt templates: how a dataset question becomes the text the policy continues.
#include <string>
#include <string_view>
#include <vector>

namespace zerorl {

// Config names: r1zero, r1zero_think, chatml, raw, tiny.
enum class TemplateKind { R1Zero, R1ZeroThink, ChatML, Raw, Tiny };

// R1Zero: DeepSeek-R1-Zero's template in the paper's words, ending "User: {question}. Assistant:".
// R1ZeroThink: the same followed by " <think>", so the completion starts inside the reasoning.
// ChatML: "<|im_start|>user\n{question}<|im_end|>\n<|im_start|>assistant\n" (Qwen instruct models).
// Raw and Tiny: the question as it is (the tiny tasks' prompts are already short, e.g. "347+285=").
std::string apply_template(TemplateKind kind, std::string_view question);

// Throws InputError naming the value (with a did-you-mean hint) when the name is unknown.
TemplateKind parse_template(const std::string& name);
std::string template_name(TemplateKind kind);
const std::vector<std::string>& template_names();

}  // namespace zerorl
