#include "trainer/summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

namespace zerorl {
namespace {

std::vector<nlohmann::json> rows_of(const std::string& path) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object()) rows.push_back(std::move(j));
  }
  return rows;
}

// Mean of key over rows[begin, end) that have it; NaN when none.
double mean_of(const std::vector<nlohmann::json>& rows, size_t begin, size_t end, const char* key) {
  double s = 0;
  int n = 0;
  for (size_t i = begin; i < end && i < rows.size(); ++i)
    if (rows[i].contains(key) && rows[i][key].is_number()) s += rows[i][key].get<double>(), ++n;
  return n ? s / n : std::nan("");
}

std::string cell(double x, const char* fmt) {
  if (x != x) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, x);
  return buf;
}

}  // namespace

std::string run_summary(const std::string& run_dir, double wall_seconds) {
  auto evals = rows_of(run_dir + "/eval.jsonl");
  auto steps = rows_of(run_dir + "/metrics.jsonl");
  if (evals.size() < 2 || evals.front().value("step", -1) != 0) return "";
  const size_t n = evals.size(), last = n >= 4 ? n - 3 : 1;  // final: the last 3 evaluations after step 0
  std::string out;
  char line[160];
  std::snprintf(line, sizeof line, "\n%-34s %10s %10s\n", "", "base", "final");
  out += line;
  std::snprintf(line, sizeof line, "%-34s %10s %10s\n", "", "(step 0)",
                ("(mean of " + std::to_string(n - last) + ")").c_str());
  out += line;
  struct Row {
    const char* label;
    const char* key;
    const char* fmt;
  };
  std::vector<Row> rows = {{"pass@1, sampled, strict", "eval/pass@1", "%.3f"},
                           {"pass@1, sampled, lenient", "eval/lenient", "%.3f"},
                           {"greedy accuracy", "eval/greedy", "%.3f"},
                           {"format rate", "eval/format", "%.3f"},
                           {"mean completion length (tokens)", "eval/mean_length", "%.1f"}};
  for (auto& r : rows) {
    std::snprintf(line, sizeof line, "%-34s %10s %10s\n", r.label, cell(mean_of(evals, 0, 1, r.key), r.fmt).c_str(),
                  cell(mean_of(evals, last, n, r.key), r.fmt).c_str());
    out += line;
  }
  if (!steps.empty()) {
    const size_t k = std::min<size_t>(5, steps.size());
    std::snprintf(line, sizeof line, "%-34s %10s %10s\n", "re-check share (first/last 5 steps)",
                  cell(mean_of(steps, 0, k, "completions/recheck_ratio"), "%.3f").c_str(),
                  cell(mean_of(steps, steps.size() - k, steps.size(), "completions/recheck_ratio"), "%.3f").c_str());
    out += line;
  }
  std::snprintf(line, sizeof line, "%-34s %21s\n", "wall time", (cell(wall_seconds, "%.0f") + " s").c_str());
  out += line;
  return out;
}

}  // namespace zerorl
