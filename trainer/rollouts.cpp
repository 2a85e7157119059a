#include "trainer/rollouts.h"

#include "rollout/random.h"

namespace zerorl {

std::vector<double> Rollouts::rewards() const {
  std::vector<double> r;
  r.reserve(totals.size());
  for (auto& t : totals) r.push_back(t ? *t : 0.0);
  return r;
}

void Rollouts::append_groups(const Rollouts& other, const std::vector<int64_t>& groups) {
  group_size = other.group_size;
  if (per_fn.empty())
    for (auto& [name, _] : other.per_fn) per_fn.emplace_back(name, std::vector<Score>{});
  for (int64_t g : groups) {
    examples.push_back(other.examples[size_t(g)]);
    prompt_ids.push_back(other.prompt_ids[size_t(g)]);
    for (int64_t s = g * group_size; s < (g + 1) * group_size; ++s) {
      samples.push_back(other.samples[size_t(s)]);
      totals.push_back(other.totals[size_t(s)]);
      for (size_t f = 0; f < per_fn.size(); ++f) per_fn[f].second.push_back(other.per_fn[f].second[size_t(s)]);
    }
  }
}

uint64_t slot_seed(int64_t run_seed, int64_t step, int64_t slot) {
  uint64_t x = splitmix64(uint64_t(run_seed));
  x = splitmix64(x ^ (uint64_t(step) * 0x9E3779B97F4A7C15ULL));
  return splitmix64(x ^ (uint64_t(slot) * 0xC2B2AE3D27D4EB4FULL + 0x165667B19E3779F9ULL));
}

Rollouts generate_rollouts(Engine& engine, const SamplingParams& params, const std::vector<size_t>& examples,
                           const std::vector<std::vector<int32_t>>& prompt_ids,
                           int64_t group_size, int64_t run_seed, int64_t step, int64_t first_slot) {
  Rollouts r;
  r.group_size = group_size;
  r.examples = examples;
  r.prompt_ids = prompt_ids;
  std::vector<GenerationRequest> reqs;
  for (size_t i = 0; i < examples.size(); ++i)
    reqs.push_back({prompt_ids[i], group_size, slot_seed(run_seed, step, first_slot + int64_t(i))});
  auto out = engine.generate(reqs, params);
  for (auto& group : out)
    for (auto& s : group) r.samples.push_back(std::move(s));
  return r;
}

void score_rollouts(Rollouts& r, RewardSet& rewards, const std::vector<Example>& data) {
  std::vector<RewardInput> in;
  in.reserve(r.samples.size());
  for (int64_t i = 0; i < r.size(); ++i) {
    const Example& ex = data[r.examples[size_t(i / r.group_size)]];
    const Sample& s = r.samples[size_t(i)];
    RewardInput x;
    x.prompt = ex.prompt;
    x.completion = s.text;
    x.row = &ex.row;
    x.completion_tokens = int64_t(s.tokens.size());
    x.finish_reason = parse_finish_reason(s.finish_reason);
    in.push_back(std::move(x));
  }
  auto scores = rewards.score(in);
  r.totals = std::move(scores.total);
  r.per_fn = std::move(scores.per_fn);
}

}  // namespace zerorl
