#include "trainer/evaluation.h"

#include <map>

#include "core/error.h"
#include "core/log.h"
#include "rewards/builtin_rewards.h"
#include "rewards/math_answer.h"
#include "rollout/random.h"

namespace zerorl {

namespace {

constexpr uint64_t kEvalStream = 0x6576616c73656564ULL;  // "evalseed": eval draws never reuse training's seeds

// A config whose reward list is the run's entry for `name` (its parameters), or a default one.
Config with_single_reward(const Config& cfg, const std::string& name) {
  Config c = cfg;
  c.rewards.list.clear();
  if (const RewardSpec* s = cfg.rewards.find(name)) {
    c.rewards.list.push_back(*s);
  } else {
    RewardSpec spec;
    spec.name = name;
    spec.origin = "evaluation default";
    c.rewards.list.push_back(spec);
  }
  c.rewards.list.back().weight = 1.0;
  return c;
}

std::vector<RewardInput> inputs_of(const std::vector<Example>& problems, const std::vector<std::vector<Sample>>& s) {
  std::vector<RewardInput> in;
  for (size_t p = 0; p < s.size(); ++p)
    for (auto& sample : s[p]) {
      RewardInput r;
      r.prompt = problems[p].prompt;
      r.completion = sample.text;
      r.row = &problems[p].row;
      r.completion_tokens = int64_t(sample.tokens.size());
      r.finish_reason = parse_finish_reason(sample.finish_reason);
      in.push_back(std::move(r));
    }
  return in;
}

bool is_one(const Score& s) { return s && *s >= 1.0 - 1e-9; }

}  // namespace

double pass_at_k(int64_t n, int64_t c, int64_t k) {
  if (n <= 0 || k <= 0) return 0.0;
  if (n - c < k) return 1.0;
  double fail = 1.0;  // C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k / i)
  for (int64_t i = n - c + 1; i <= n; ++i) fail *= 1.0 - double(k) / double(i);
  return 1.0 - fail;
}

int64_t majority_index(const std::vector<std::optional<std::string>>& answers) {
  std::map<std::string, std::pair<int64_t, int64_t>> votes;  // answer -> (count, first index)
  for (int64_t i = 0; i < int64_t(answers.size()); ++i)
    if (answers[i]) {
      auto it = votes.emplace(*answers[i], std::make_pair(int64_t(0), i)).first;
      ++it->second.first;
    }
  int64_t best = -1, best_count = 0;
  for (auto& [answer, v] : votes)
    if (v.first > best_count || (v.first == best_count && v.second < best)) {
      best_count = v.first;
      best = v.second;
    }
  return best;
}

Evaluator::Evaluator(const Config& cfg, const Tokenizer& tok, std::vector<Example> problems)
    : cfg_(cfg), tok_(&tok), problems_(std::move(problems)) {
  correct_name_ = cfg.rewards.find("accuracy") || !cfg.rewards.find("countdown") ? "accuracy" : "countdown";
  correct_ = std::make_unique<RewardSet>(with_single_reward(cfg, correct_name_));
  format_ = std::make_unique<RewardSet>(with_single_reward(cfg, "format"));
  for (auto& p : problems_) {
    prompt_ids_.push_back(tok.encode(p.prompt));
    if (prompt_ids_.back().empty()) throw InputError("evaluation: a prompt encodes to no tokens: " + p.question);
  }
}

Evaluator::~Evaluator() = default;

std::vector<std::vector<bool>> Evaluator::judge(const std::vector<std::vector<Sample>>& samples, RewardSet& rewards) {
  auto scores = rewards.score(inputs_of(problems_, samples));
  std::vector<std::vector<bool>> out;
  size_t i = 0;
  for (auto& group : samples) {
    out.emplace_back();
    for (size_t s = 0; s < group.size(); ++s) out.back().push_back(is_one(scores.total[i++]));
  }
  return out;
}

nlohmann::json Evaluator::evaluate(Engine& engine, int64_t step) {
  const double t0 = now_seconds();
  const int64_t n = cfg_.eval.samples, k = std::min(cfg_.eval.k, cfg_.eval.samples);
  SamplingParams p = SamplingParams::from(cfg_.rollout);
  p.temperature = cfg_.eval.temperature;
  p.max_new_tokens = cfg_.eval.max_new_tokens;
  if (tok_->eos_id() >= 0) p.stop_token_ids.push_back(tok_->eos_id());
  std::vector<GenerationRequest> reqs;
  for (size_t i = 0; i < problems_.size(); ++i)
    reqs.push_back({prompt_ids_[i], n, splitmix64(splitmix64(uint64_t(cfg_.run.seed) ^ kEvalStream) + i)});
  auto samples = engine.generate(reqs, p);
  auto correct = judge(samples, *correct_);
  auto formatted = judge(samples, *format_);

  double pass1 = 0, passk = 0, majk = 0, fmt = 0, lenient = 0, length = 0;
  int64_t total = 0;
  for (size_t i = 0; i < problems_.size(); ++i) {
    int64_t c = 0;
    std::vector<std::optional<std::string>> answers;
    auto gold = gold_text(problems_[i].row, cfg_.data.answer_field);
    for (int64_t s = 0; s < n; ++s) {
      const auto& sample = samples[i][size_t(s)];
      c += correct[i][size_t(s)];
      fmt += formatted[i][size_t(s)];
      length += double(sample.tokens.size());
      auto loose = extract_answer(sample.text, /*require_tags=*/false);
      lenient += gold && loose && answers_equal(*loose, *gold);
      if (s < k) answers.push_back(extract_answer(sample.text, /*require_tags=*/false));
      ++total;
    }
    pass1 += double(c) / double(n);
    passk += pass_at_k(n, c, k);
    int64_t winner = majority_index(answers);
    majk += winner >= 0 && correct[i][size_t(winner)];
  }
  const double np = std::max<double>(1.0, double(problems_.size()));
  nlohmann::json row = {{"step", step}};
  row["eval/pass@1"] = pass1 / np;
  row["eval/pass@" + std::to_string(k)] = passk / np;
  row["eval/maj@" + std::to_string(k)] = majk / np;
  if (cfg_.eval.greedy) {
    SamplingParams g = p;
    g.temperature = 0;
    for (auto& r : reqs) r.num_samples = 1;
    auto greedy = engine.generate(reqs, g);
    auto ok = judge(greedy, *correct_);
    double acc = 0;
    for (auto& v : ok) acc += v[0];
    row["eval/greedy"] = acc / np;
  }
  row["eval/format"] = fmt / std::max<double>(1.0, double(total));
  row["eval/lenient"] = lenient / std::max<double>(1.0, double(total));
  row["eval/mean_length"] = length / std::max<double>(1.0, double(total));
  row["eval/problems"] = int64_t(problems_.size());
  row["eval/seconds"] = now_seconds() - t0;
  return row;
}

}  // namespace zerorl
