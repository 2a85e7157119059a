#include "rewards/builtin_rewards.h"

#include <unordered_map>

#include "rewards/countdown_reward.h"
#include "rewards/format_rewards.h"
#include "rewards/math_answer.h"
#include "rewards/shaping_rewards.h"

namespace zerorl {

std::optional<std::string> gold_text(const nlohmann::json& row, const std::string& answer_field) {
  if (!row.is_object()) return std::nullopt;
  for (const std::string& key : {answer_field, std::string("gold"), std::string("answer"), std::string("solution")}) {
    auto it = row.find(key);
    if (it == row.end() || it->is_null()) continue;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number()) return it->dump();
    return std::nullopt;
  }
  return std::nullopt;
}

namespace {

// Correctness of each completion against its row's gold answer; gold answers are parsed once
// and cached (a group of G completions shares one).
class Grader {
 public:
  Grader(std::string answer_field, bool require_tags)
      : answer_field_(std::move(answer_field)), require_tags_(require_tags) {}

  // nullopt: the gold answer is missing or cannot be parsed.
  std::optional<bool> grade(const RewardInput& in) {
    auto gold = gold_text(*in.row, answer_field_);
    if (!gold) return std::nullopt;
    if (cache_.size() > 50000) cache_.clear();
    auto it = cache_.find(*gold);
    if (it == cache_.end()) it = cache_.emplace(*gold, prepare_gold(*gold)).first;
    if (!it->second) return std::nullopt;
    auto pred = extract_answer(in.completion, require_tags_);
    return pred && matches_gold(*pred, *it->second);
  }

 private:
  std::string answer_field_;
  bool require_tags_;
  std::unordered_map<std::string, std::optional<GoldAnswer>> cache_;
};

class AccuracyReward final : public Reward {
 public:
  AccuracyReward(const Params& p, const RewardContext& ctx) : grader_(ctx.answer_field, p.get_bool("require_tags")) {}
  std::vector<Score> score(const std::vector<RewardInput>& batch) override {
    std::vector<Score> out;
    for (auto& in : batch) {
      auto ok = grader_.grade(in);
      out.push_back(ok ? Score(*ok ? 1.0 : 0.0) : std::nullopt);
    }
    return out;
  }

 private:
  Grader grader_;
};

double length_of(const RewardInput& in, const std::string& unit) {
  if (unit == "chars") return static_cast<double>(in.completion.size());
  return static_cast<double>(in.completion_tokens);
}

class CosineReward final : public Reward {
 public:
  CosineReward(const Params& p, const RewardContext& ctx)
      : grader_(ctx.answer_field, p.get_bool("require_tags")), unit_(p.get_string("length_unit")) {
    cp_.min_value_wrong = p.get_double("min_value_wrong");
    cp_.max_value_wrong = p.get_double("max_value_wrong");
    cp_.min_value_correct = p.get_double("min_value_correct");
    cp_.max_value_correct = p.get_double("max_value_correct");
    cp_.max_len = static_cast<double>(p.get_int("max_len"));
  }
  std::vector<Score> score(const std::vector<RewardInput>& batch) override {
    std::vector<Score> out;
    for (auto& in : batch) {
      auto ok = grader_.grade(in);
      out.push_back(ok ? Score(cosine_score(*ok, length_of(in, unit_), cp_)) : std::nullopt);
    }
    return out;
  }

 private:
  Grader grader_;
  std::string unit_;
  CosineParams cp_;
};

// Kimi 1.5's length reward, relative within each group (completions of the same prompt).
class LengthReward final : public Reward {
 public:
  LengthReward(const Params& p, const RewardContext& ctx)
      : grader_(ctx.answer_field, p.get_bool("require_tags")), unit_(p.get_string("length_unit")) {}
  std::vector<Score> score(const std::vector<RewardInput>& batch) override {
    std::vector<Score> out(batch.size());
    std::vector<std::optional<bool>> ok;
    for (auto& in : batch) ok.push_back(grader_.grade(in));
    std::vector<bool> done(batch.size(), false);
    for (size_t i = 0; i < batch.size(); ++i) {
      if (done[i]) continue;
      std::vector<size_t> members;
      for (size_t j = i; j < batch.size(); ++j)
        if (!done[j] && batch[j].prompt == batch[i].prompt) {
          done[j] = true;
          if (ok[j]) members.push_back(j);
        }
      std::vector<double> lengths;
      std::vector<bool> correct;
      for (size_t j : members) {
        lengths.push_back(length_of(batch[j], unit_));
        correct.push_back(*ok[j]);
      }
      auto s = length_scores(lengths, correct);
      for (size_t k = 0; k < members.size(); ++k) out[members[k]] = s[k];
    }
    return out;
  }

 private:
  Grader grader_;
  std::string unit_;
};

// A reward computed from the scored text alone.
class TextReward final : public Reward {
 public:
  TextReward(std::function<Score(const RewardInput&)> fn) : fn_(std::move(fn)) {}
  std::vector<Score> score(const std::vector<RewardInput>& batch) override {
    std::vector<Score> out;
    for (auto& in : batch) out.push_back(fn_(in));
    return out;
  }

 private:
  std::function<Score(const RewardInput&)> fn_;
};

std::unique_ptr<Reward> text_reward(std::function<Score(const RewardInput&)> fn) {
  return std::make_unique<TextReward>(std::move(fn));
}

std::optional<std::vector<int64_t>> int_list(const nlohmann::json& v) {
  if (!v.is_array()) return std::nullopt;
  std::vector<int64_t> out;
  for (auto& x : v) {
    if (!x.is_number_integer()) return std::nullopt;
    out.push_back(x.get<int64_t>());
  }
  return out;
}

Score countdown(const RewardInput& in, double format_score) {
  const nlohmann::json& row = *in.row;
  if (!row.is_object()) return std::nullopt;
  auto nums = row.find("numbers");
  if (nums == row.end()) nums = row.find("nums");
  auto target = row.find("target");
  if (nums == row.end() || target == row.end() || !target->is_number_integer()) return std::nullopt;
  auto numbers = int_list(*nums);
  if (!numbers) return std::nullopt;
  return countdown_score(in.completion, *numbers, target->get<int64_t>(), format_score);
}

// The reasoning: the think block of the prefilled text, or everything when there is none.
std::string reasoning_text(const RewardInput& in) {
  std::string text = with_prefill(in.prompt, in.completion);
  size_t open = text.find("<think>");
  size_t from = open == std::string::npos ? 0 : open + 7;
  size_t close = text.find("</think>", from);
  return text.substr(from, close == std::string::npos ? std::string::npos : close - from);
}

ParamSpec p_bool(std::string name, bool def, std::string comment) {
  return ParamSpec{std::move(name), ParamType::Bool, def, std::move(comment), {}};
}
ParamSpec p_double(std::string name, double def, std::string comment, double lo = -1e300, double hi = 1e300) {
  return ParamSpec{std::move(name), ParamType::Double, def, std::move(comment), {}, lo, hi};
}
ParamSpec p_int(std::string name, int64_t def, std::string comment, double lo = -1e300, double hi = 1e300) {
  return ParamSpec{std::move(name), ParamType::Int, def, std::move(comment), {}, lo, hi};
}
ParamSpec p_choice(std::string name, std::string def, std::string comment, std::vector<std::string> choices) {
  return ParamSpec{std::move(name), ParamType::String, def, std::move(comment), std::move(choices)};
}

const char* const kRequireTags = "only an answer inside the last <answer>...</answer> counts";
const char* const kLengthUnit = "length measure: tokens (completion_tokens) | chars";

std::vector<RewardKind> make_table() {
  std::vector<RewardKind> t;
  t.push_back({"accuracy", "1 when the final answer equals the gold answer by value, else 0; no score when the gold cannot be parsed",
               {p_bool("require_tags", false, kRequireTags)},
               [](const Params& p, const RewardContext& c) { return std::make_unique<AccuracyReward>(p, c); }});
  t.push_back({"format", "1 for <think>...</think> then <answer>...</answer> and nothing else (open-r1)",
               {p_bool("newlines", true, "true: open-r1's exact newlines around the tags; false: only optional whitespace between blocks")},
               [](const Params& p, const RewardContext&) {
                 bool nl = p.get_bool("newlines");
                 return text_reward([nl](const RewardInput& in) -> Score {
                   return format_score(with_prefill(in.prompt, in.completion), nl);
                 });
               }});
  t.push_back({"tag_count", "0.25 for each of the four R1 tags present exactly once (open-r1)",
               {p_bool("newlines", true, "count the tags with open-r1's newlines (<think>\\n, \\n</think>\\n, ...)")},
               [](const Params& p, const RewardContext&) {
                 bool nl = p.get_bool("newlines");
                 return text_reward([nl](const RewardInput& in) -> Score {
                   return tag_count_score(with_prefill(in.prompt, in.completion), nl);
                 });
               }});
  t.push_back({"think_format", "1 when the text opens with one <think> and closes it (TRL)", {},
               [](const Params&, const RewardContext&) {
                 return text_reward([](const RewardInput& in) -> Score {
                   return think_format_score(with_prefill(in.prompt, in.completion));
                 });
               }});
  t.push_back({"countdown", "TinyZero Countdown: 1 for a correct expression, format_score for a wrong one, 0 without one",
               {p_double("format_score", 0.1, "score of a parsed but wrong answer", 0, 1)},
               [](const Params& p, const RewardContext&) {
                 double fs = p.get_double("format_score");
                 return text_reward([fs](const RewardInput& in) { return countdown(in, fs); });
               }});
  t.push_back({"reasoning_steps", "min(1, step markers / steps) (open-r1)",
               {p_int("steps", 3, "markers needed for the full reward", 1)},
               [](const Params& p, const RewardContext&) {
                 int steps = static_cast<int>(p.get_int("steps"));
                 return text_reward([steps](const RewardInput& in) -> Score {
                   return reasoning_steps_score(in.completion, steps);
                 });
               }});
  t.push_back({"cosine", "correctness scaled by a cosine of the length (open-r1 / TRL cosine_scaled)",
               {p_double("min_value_wrong", -1.0, "wrong answer at length 0"),
                p_double("max_value_wrong", -0.5, "wrong answer at max_len"),
                p_double("min_value_correct", 0.5, "correct answer at max_len"),
                p_double("max_value_correct", 1.0, "correct answer at length 0"),
                p_int("max_len", 1000, "length at which the cosine reaches its end", 1),
                p_choice("length_unit", "tokens", kLengthUnit, {"tokens", "chars"}),
                p_bool("require_tags", false, kRequireTags)},
               [](const Params& p, const RewardContext& c) { return std::make_unique<CosineReward>(p, c); }});
  t.push_back({"length", "Kimi 1.5 length reward within each group of the same prompt (open-r1 len_reward)",
               {p_choice("length_unit", "tokens", kLengthUnit, {"tokens", "chars"}),
                p_bool("require_tags", false, kRequireTags)},
               [](const Params& p, const RewardContext& c) { return std::make_unique<LengthReward>(p, c); }});
  t.push_back({"repetition_penalty", "(1 - distinct word n-grams / n-grams) * max_penalty (open-r1)",
               {p_int("ngram_size", 3, "words per n-gram", 1, 64),
                p_double("max_penalty", -1.0, "score of a completion that only repeats (<= 0)", -1e300, 0)},
               [](const Params& p, const RewardContext&) {
                 int n = static_cast<int>(p.get_int("ngram_size"));
                 double mp = p.get_double("max_penalty");
                 return text_reward([n, mp](const RewardInput& in) -> Score {
                   return repetition_penalty_score(lower_words(in.completion), n, mp);
                 });
               }});
  t.push_back({"soft_overlong", "DAPO soft overlong punishment on completion_tokens",
               {p_int("max_len", 0, "tokens at which the punishment reaches -1; 0 = rollout.max_new_tokens", 0),
                p_int("cache_len", 0, "length of the linear ramp before max_len; 0 = max_len / 5", 0)},
               [](const Params& p, const RewardContext& c) {
                 int64_t max_len = p.get_int("max_len") > 0 ? p.get_int("max_len") : c.max_new_tokens;
                 int64_t cache = p.get_int("cache_len") > 0 ? p.get_int("cache_len") : max_len / 5;
                 return text_reward([max_len, cache](const RewardInput& in) -> Score {
                   if (max_len <= 0) return std::nullopt;
                   return soft_overlong_score(in.completion_tokens, max_len, cache);
                 });
               }});
  t.push_back({"language", "share of the reasoning's letters in the target script (R1 language consistency)",
               {p_choice("script", "latin", "target script", language_scripts())},
               [](const Params& p, const RewardContext&) {
                 std::string script = p.get_string("script");
                 return text_reward([script](const RewardInput& in) -> Score {
                   return language_score(reasoning_text(in), script);
                 });
               }});
  return t;
}

}  // namespace

const std::vector<RewardKind>& builtin_rewards() {
  static const std::vector<RewardKind> table = make_table();
  return table;
}

const RewardKind* find_builtin(const std::string& name) {
  for (auto& k : builtin_rewards())
    if (k.name == name) return &k;
  return nullptr;
}

}  // namespace zerorl
