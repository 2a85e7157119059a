#include "trainer/dist_metrics.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace zerorl {
namespace {

enum class How { Same, Sum, Mean, Max, Local };

How how(const std::string& key) {
  auto ends = [&](const char* s) { return key.size() >= std::strlen(s) && key.compare(key.size() - std::strlen(s), std::string::npos, s) == 0; };
  if (key == "step" || key == "epoch" || key == "skipped_steps" || key == "learning_rate" ||
      key == "grad_norm" || key.rfind("dynamic_sampling/", 0) == 0)
    return How::Same;  // identical on every rank (grad_norm: after the all-reduce)
  if (key == "loss" || key == "tokens_per_s" || key == "no_score" || ends("/no_score")) return How::Sum;
  if (key.rfind("timing/", 0) == 0) return How::Max;
  if (ends("_std") || ends("/std") || ends("max_length") || ends("min_length")) return How::Local;
  return How::Mean;
}

}  // namespace

void reduce_step_metrics(nlohmann::json& row, const Dist& dist, double weight) {
  if (dist.world_size <= 1) return;
  // One sum-all-reduce carries everything: weighted values, plain sums, and the total weight.
  // Maxima go through the same sum as one-hot slots per rank.
  std::vector<std::string> keys;
  std::vector<How> hows;
  for (auto& [k, v] : row.items()) {
    if (!v.is_number()) continue;
    How h = how(k);
    if (h == How::Same || h == How::Local) continue;
    keys.push_back(k);
    hows.push_back(h);
  }
  const size_t W = size_t(dist.world_size), n = keys.size();
  std::vector<double> buf(n * W + 1, 0.0);
  for (size_t i = 0; i < n; ++i) {
    double x = row[keys[i]].get<double>();
    double v = hows[i] == How::Mean ? x * weight : x;
    buf[i * W + size_t(dist.rank)] = v;
  }
  buf[n * W] = weight;
  dist.all_reduce_counts(buf);
  const double total = buf[n * W] > 0 ? buf[n * W] : 1.0;
  for (size_t i = 0; i < n; ++i) {
    double sum = 0, mx = -1e300;
    for (size_t r = 0; r < W; ++r) {
      sum += buf[i * W + r];
      mx = std::max(mx, buf[i * W + r]);
    }
    if (hows[i] == How::Mean) row[keys[i]] = sum / total;
    else if (hows[i] == How::Sum) row[keys[i]] = sum;
    else row[keys[i]] = mx;
  }
}

}  // namespace zerorl
