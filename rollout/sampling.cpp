#include "rollout/sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <ATen/Parallel.h>

#include "core/error.h"

namespace zerorl {

SamplingParams SamplingParams::from(const RolloutConfig& cfg) {
  SamplingParams p;
  p.temperature = cfg.temperature;
  p.top_p = cfg.top_p;
  p.top_k = cfg.top_k;
  p.min_p = cfg.min_p;
  p.max_new_tokens = cfg.max_new_tokens;
  p.stop = cfg.stop;
  return p;
}

void SamplingParams::validate() const {
  auto bad = [](const std::string& what) { throw InputError("sampling: " + what); };
  if (!(temperature >= 0.0) || !std::isfinite(temperature))
    bad("temperature = " + std::to_string(temperature) + " must be >= 0 (0 = greedy)");
  if (!(top_p > 0.0 && top_p <= 1.0)) bad("top_p = " + std::to_string(top_p) + " must be in (0, 1]");
  if (top_k < 0) bad("top_k = " + std::to_string(top_k) + " must be >= 0 (0 = off)");
  if (!(min_p >= 0.0 && min_p <= 1.0)) bad("min_p = " + std::to_string(min_p) + " must be in [0, 1]");
  if (max_new_tokens < 1) bad("max_new_tokens = " + std::to_string(max_new_tokens) + " must be >= 1");
  for (size_t i = 0; i < stop.size(); ++i)
    if (stop[i].empty()) bad("stop string " + std::to_string(i) + " is empty");
}

namespace {

// Index of the first weight (in the given order) where the running sum exceeds target; when
// rounding leaves none, the last one with non-zero weight.
template <class IndexAt>
int64_t inverse_cdf(const float* w, int64_t n, IndexAt index_at, double target) {
  double cum = 0;
  int64_t last_nonzero = index_at(0);
  for (int64_t j = 0; j < n; ++j) {
    const int64_t i = index_at(j);
    if (w[i] <= 0) continue;
    cum += w[i];
    last_nonzero = i;
    if (cum > target) return i;
  }
  return last_nonzero;
}

}  // namespace

TokenChoice sample_token(const float* x, int64_t vocab, const SamplingParams& p, double u,
                         SamplerScratch& s) {
  int64_t best = 0;
  float m = x[0];
  for (int64_t i = 1; i < vocab; ++i)
    if (x[i] > m) { m = x[i]; best = i; }
  const bool greedy = p.greedy();
  const float inv_t = greedy ? 1.0f : static_cast<float>(1.0 / p.temperature);
  s.weights.resize(vocab);
  float* w = s.weights.data();
  double total = 0;
  for (int64_t i = 0; i < vocab; ++i) {
    w[i] = std::exp((x[i] - m) * inv_t);  // the top token has weight 1
    total += w[i];
  }
  if (!std::isfinite(m) || !std::isfinite(total))
    throw RunError("sampling: non-finite logits (NaN or infinite values in the model output)");
  const double log_total = std::log(total);
  auto logprob = [&](int64_t i) { return static_cast<float>((x[i] - m) * inv_t - log_total); };
  if (greedy) return {static_cast<int32_t>(best), logprob(best)};

  const bool use_top_k = p.top_k > 0 && p.top_k < vocab;
  const bool use_top_p = p.top_p < 1.0;
  const float min_w = static_cast<float>(p.min_p);  // min-p relative to the top weight, which is 1
  int64_t token;
  if (!use_top_k && !use_top_p) {
    // Vocabulary order, no sort: min-p alone keeps {i : w_i >= min_p}.
    double mass = 0;
    for (int64_t i = 0; i < vocab; ++i)
      if (w[i] >= min_w) mass += w[i];
    double cum = 0;
    token = best;
    for (int64_t i = 0; i < vocab; ++i) {
      if (w[i] < min_w || w[i] <= 0) continue;
      cum += w[i];
      token = i;
      if (cum > u * mass) break;
    }
  } else {
    // Sorted order (weight descending, index ascending): every filter keeps a prefix.
    s.order.resize(vocab);
    int32_t* ord = s.order.data();
    std::iota(ord, ord + vocab, 0);
    auto cmp = [w](int32_t a, int32_t b) { return w[a] > w[b] || (w[a] == w[b] && a < b); };
    const int64_t k = use_top_k ? p.top_k : vocab;
    int64_t sorted = use_top_k ? k : std::min<int64_t>(vocab, 64);
    std::partial_sort(ord, ord + sorted, ord + vocab, cmp);
    double mass = total;
    if (use_top_k) {
      mass = 0;
      for (int64_t j = 0; j < k; ++j) mass += w[ord[j]];
    }
    int64_t keep = k;
    if (use_top_p) {
      // Keep tokens until the kept mass reaches top_p; sort more of the vocabulary only if needed.
      const double goal = p.top_p * mass;
      for (;;) {
        double cum = 0;
        int64_t j = 0;
        for (; j < sorted; ++j) {
          cum += w[ord[j]];
          if (cum >= goal) break;
        }
        if (j < sorted) { keep = j + 1; break; }
        if (sorted == k) { keep = k; break; }
        sorted = std::min(k, sorted * 8);
        std::partial_sort(ord, ord + sorted, ord + vocab, cmp);
      }
    }
    if (min_w > 0) {
      int64_t j = 1;  // the top token always survives min-p
      while (j < keep && w[ord[j]] >= min_w) ++j;
      keep = j;
    }
    double kept_mass = 0;
    for (int64_t j = 0; j < keep; ++j) kept_mass += w[ord[j]];
    token = inverse_cdf(w, keep, [ord](int64_t j) { return static_cast<int64_t>(ord[j]); }, u * kept_mass);
  }
  return {static_cast<int32_t>(token), logprob(token)};
}

void sample_tokens(const float* logits, int64_t vocab, const std::vector<int64_t>& rows,
                   const std::vector<double>& uniforms, const SamplingParams& p,
                   std::vector<TokenChoice>& out) {
  const int64_t n = static_cast<int64_t>(rows.size());
  out.resize(n);
  // Below ~32k logits per task a thread hand-off costs more than it saves.
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(vocab, 1));
  at::parallel_for(0, n, grain, [&](int64_t begin, int64_t end) {
    thread_local SamplerScratch scratch;
    for (int64_t i = begin; i < end; ++i)
      out[i] = sample_token(logits + rows[i] * vocab, vocab, p, uniforms[i], scratch);
  });
}

}  // namespace zerorl
