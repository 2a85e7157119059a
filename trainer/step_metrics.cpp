#include "trainer/step_metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace zerorl {

namespace {

struct MeanStd {
  double mean = 0, std = 0;
  int64_t n = 0;
};

// Mean and unbiased std of the non-null values (TRL's nanmean / nanstd).
MeanStd mean_std(const std::vector<Score>& xs) {
  MeanStd m;
  double sum = 0, sq = 0;
  for (auto& x : xs)
    if (x) {
      sum += *x;
      ++m.n;
    }
  if (m.n == 0) return m;
  m.mean = sum / double(m.n);
  for (auto& x : xs)
    if (x) sq += (*x - m.mean) * (*x - m.mean);
  m.std = m.n > 1 ? std::sqrt(sq / double(m.n - 1)) : 0.0;
  return m;
}

}  // namespace

void add_rollout_metrics(nlohmann::json& row, const Rollouts& drawn, const std::vector<double>& group_std,
                         double frac_zero_std, bool recheck) {
  std::vector<Score> rewards;
  for (double r : drawn.rewards()) rewards.push_back(r);
  row["reward"] = mean_std(rewards).mean;
  double gs = 0;
  for (double s : group_std) gs += s;
  row["reward_std"] = group_std.empty() ? 0.0 : gs / double(group_std.size());
  for (auto& [name, scores] : drawn.per_fn) {
    auto m = mean_std(scores);
    row["rewards/" + name + "/mean"] = m.mean;
    row["rewards/" + name + "/std"] = m.std;
    row["rewards/" + name + "/no_score"] = int64_t(scores.size()) - m.n;
  }
  int64_t no_score = 0;
  for (auto& t : drawn.totals) no_score += !t;
  row["no_score"] = no_score;
  row["frac_reward_zero_std"] = frac_zero_std;

  double len_sum = 0, clipped = 0, rechecked = 0;
  int64_t len_min = 0, len_max = 0;
  for (size_t i = 0; i < drawn.samples.size(); ++i) {
    const auto& s = drawn.samples[i];
    const int64_t len = int64_t(s.tokens.size());
    len_sum += double(len);
    len_min = i == 0 ? len : std::min(len_min, len);
    len_max = std::max(len_max, len);
    clipped += s.finish_reason == "length";
    if (recheck) rechecked += is_recheck(s.text);
  }
  const double n = std::max<double>(1.0, double(drawn.samples.size()));
  row["completions/mean_length"] = len_sum / n;
  row["completions/min_length"] = len_min;
  row["completions/max_length"] = len_max;
  row["completions/clipped_ratio"] = clipped / n;
  if (recheck) row["completions/recheck_ratio"] = rechecked / n;
}

void add_update_metrics(nlohmann::json& row, const UpdateResult& u, bool with_kl) {
  const double tokens = std::max(1.0, u.tokens);
  row["loss"] = u.loss;
  row["grad_norm"] = u.grad_norm;
  row["learning_rate"] = u.learning_rate;
  row["entropy"] = u.entropy_sum / std::max(1.0, u.entropy_tokens);
  if (with_kl) row["kl"] = u.kl_sum / tokens;
  row["clip_ratio/low_mean"] = u.low_clipped / tokens;
  row["clip_ratio/high_mean"] = u.high_clipped / tokens;
  row["clip_ratio/region_mean"] = u.region_clipped / tokens;
}

std::string progress_text(const nlohmann::json& row) {
  std::string out;
  auto add = [&](const char* label, const char* key, const char* fmt) {
    if (!row.contains(key) || !row[key].is_number()) return;
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, row[key].get<double>());
    out += (out.empty() ? "" : " ") + std::string(label) + " " + buf;
  };
  add("reward", "reward", "%.3f");
  add("acc", "rewards/accuracy/mean", "%.3f");
  add("acc", "rewards/countdown/mean", "%.3f");
  add("fmt", "rewards/format/mean", "%.3f");
  add("len", "completions/mean_length", "%.1f");
  add("loss", "loss", "%.4f");
  add("gn", "grad_norm", "%.3f");
  add("kl", "kl", "%.4f");
  if (row.value("skipped", false)) out += " SKIPPED";
  return out;
}

std::vector<nlohmann::json> completion_rows(int64_t step, const Rollouts& batch, const torch::Tensor& advantages,
                                            const std::vector<Example>& data, int64_t count) {
  std::vector<nlohmann::json> rows;
  const int64_t n = batch.size();
  if (n == 0 || count <= 0) return rows;
  count = std::min(count, n);
  for (int64_t j = 0; j < count; ++j) {
    const int64_t i = j * n / count;  // evenly spaced: different groups when count < groups
    const auto& s = batch.samples[size_t(i)];
    const Example& ex = data[batch.examples[size_t(i / batch.group_size)]];
    nlohmann::json rewards = nlohmann::json::object();
    for (auto& [name, scores] : batch.per_fn)
      rewards[name] = scores[size_t(i)] ? nlohmann::json(*scores[size_t(i)]) : nlohmann::json(nullptr);
    const auto& total = batch.totals[size_t(i)];
    rows.push_back({{"step", step},
                    {"prompt", ex.prompt},
                    {"completion", s.text},
                    {"finish_reason", s.finish_reason},
                    {"tokens", int64_t(s.tokens.size())},
                    {"reward", total ? nlohmann::json(*total) : nlohmann::json(nullptr)},
                    {"rewards", rewards},
                    {"advantage", advantages[i].item<double>()}});
  }
  return rows;
}

}  // namespace zerorl
