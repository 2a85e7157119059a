// Accuracy rewards scored per second on GSM8K-length completions with numeric answers, on one
// core. Completions are the GSM8K test solutions (calculator notes removed) ending in a boxed
// answer, half of them right; they are scored through RewardSet in groups of 8 completions per
// prompt (as in training: one gold answer per group). Last line: one JSON object.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "rewards/math_answer.h"
#include "rewards/reward_set.h"

using namespace zerorl;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

std::string strip_calculator_notes(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 2, "<<") == 0) {
      size_t j = s.find(">>", i);
      if (j != std::string::npos) {
        i = j + 1;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path = argc > 1 ? argv[1] : ZERORL_SHARED_DATA "/gsm8k_test.jsonl";
  double seconds = argc > 2 ? std::atof(argv[2]) : 2.0;
  std::ifstream f(path);
  if (!f) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return 2;
  }
  constexpr int kGroup = 8;
  std::vector<nlohmann::json> rows;
  std::vector<std::string> completions;
  std::string line;
  size_t chars = 0;
  while (std::getline(f, line)) {
    auto r = nlohmann::json::parse(line);
    std::string answer = r["answer"];
    size_t hashes = answer.rfind("####");
    std::string reasoning = strip_calculator_notes(answer.substr(0, hashes));
    std::string gold = answer.substr(hashes + 4);
    gold.erase(std::remove(gold.begin(), gold.end(), ' '), gold.end());
    gold.erase(std::remove(gold.begin(), gold.end(), ','), gold.end());
    rows.push_back({{"question", r["question"]}, {"answer", answer}});
    for (int k = 0; k < kGroup; ++k) {
      std::string pred = k % 2 == 0 ? gold : std::to_string(std::atoll(gold.c_str()) + k);
      completions.push_back(reasoning + "So the answer is \\boxed{" + pred + "}.");
      chars += completions.back().size();
    }
  }
  Config cfg = load_config({}, {"rewards.accuracy.weight=1"}, check_rewards_config);
  RewardSet rewards(cfg);

  std::vector<RewardInput> all;
  for (size_t i = 0; i < completions.size(); ++i)
    all.push_back(RewardInput{"", completions[i], &rows[i / kGroup], 0, FinishReason::Eos});
  // Batches of 64 (8 prompts x 8 completions), cycled until `seconds` have passed; best of 3.
  double best = 0, correct_share = 0;
  for (int rep = 0; rep < 3; ++rep) {
    long scored = 0;
    double correct = 0;
    double t0 = now(), t = t0;
    size_t at = 0;
    while (t - t0 < seconds) {
      size_t end = std::min(all.size(), at + 64);
      std::vector<RewardInput> batch(all.begin() + at, all.begin() + end);
      RewardScores s = rewards.score(batch);
      for (auto& v : s.total) correct += v.value_or(0);
      scored += static_cast<long>(batch.size());
      at = end == all.size() ? 0 : end;
      t = now();
    }
    double rate = scored / (t - t0);
    if (rate > best) best = rate, correct_share = correct / scored;
    std::printf("accuracy reward, batches of 64: %.0f completions/s (%ld in %.2f s)\n", rate, scored, t - t0);
  }
  // Without the gold cache: every call parses its gold answer too.
  double t0 = now();
  long pairs = 0;
  for (size_t i = 0; now() - t0 < seconds; i = (i + 1) % completions.size(), ++pairs) {
    auto a = extract_answer(completions[i], false);
    (void)(a && answers_equal(*a, rows[i / kGroup]["answer"].get<std::string>()));
  }
  double uncached = pairs / (now() - t0);
  std::printf("extract_answer + answers_equal (gold parsed each time): %.0f /s\n", uncached);
  std::printf("completions: %zu, mean length %.0f chars, share scored correct %.3f (expected 0.5)\n",
              completions.size(), double(chars) / completions.size(), correct_share);
  nlohmann::json out = {{"bench", "reward"},
                        {"accuracy_rewards_per_s", std::round(best)},
                        {"answers_equal_uncached_per_s", std::round(uncached)},
                        {"mean_completion_chars", std::round(double(chars) / completions.size())},
                        {"threads", 1}};
  std::cout << out.dump() << std::endl;
  return 0;
}
