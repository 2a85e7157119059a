// Sampling on fixed logits: greedy, temperature, top-k, top-p, min-p against exact probabilities
// (computed by hand), with a chi-square bound at a fixed seed.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "rollout/random.h"
#include "rollout/sampling.h"

namespace zerorl {
namespace {

// log of [0.4, 0.3, 0.15, 0.1, 0.05]: softmax gives these probabilities back.
const std::vector<float> kLogits = {-0.916290731874155f, -1.2039728043259361f, -1.8971199848858813f,
                                    -2.3025850929940455f, -2.995732273553991f};

struct DistCase {
  const char* name;
  double temperature;
  int64_t top_k;
  double top_p;
  double min_p;
  std::vector<double> expected;  // exact probabilities after filtering, by hand
};

// Chi-square critical values at p = 0.001 for 1..4 degrees of freedom.
const double kChi2Critical[] = {0, 10.83, 13.82, 16.27, 18.47};

class SamplingDistribution : public ::testing::TestWithParam<DistCase> {};

TEST_P(SamplingDistribution, FrequenciesMatchExactProbabilities) {
  const DistCase& c = GetParam();
  SamplingParams p;
  p.temperature = c.temperature;
  p.top_k = c.top_k;
  p.top_p = c.top_p;
  p.min_p = c.min_p;
  const int n = 20000;
  std::vector<int> counts(kLogits.size(), 0);
  SamplerScratch scratch;
  for (int i = 0; i < n; ++i) {
    const TokenChoice t = sample_token(kLogits.data(), 5, p, sample_uniform(12345, i, 0), scratch);
    ASSERT_GE(t.token, 0);
    ASSERT_LT(t.token, 5);
    ++counts[t.token];
  }
  double chi2 = 0;
  int kept = 0;
  for (size_t k = 0; k < kLogits.size(); ++k) {
    if (c.expected[k] == 0) {
      EXPECT_EQ(counts[k], 0) << "token " << k << " is filtered out";
      continue;
    }
    ++kept;
    const double e = n * c.expected[k];
    chi2 += (counts[k] - e) * (counts[k] - e) / e;
  }
  EXPECT_LT(chi2, kChi2Critical[kept - 1]) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Filters, SamplingDistribution,
    ::testing::Values(
        DistCase{"plain", 1.0, 0, 1.0, 0.0, {0.4, 0.3, 0.15, 0.1, 0.05}},
        DistCase{"temperature2", 2.0, 0, 1.0, 0.0, {0.300124, 0.259915, 0.183788, 0.150062, 0.106110}},
        DistCase{"top_k3", 1.0, 3, 1.0, 0.0, {0.4 / 0.85, 0.3 / 0.85, 0.15 / 0.85, 0, 0}},
        DistCase{"top_p06", 1.0, 0, 0.6, 0.0, {4.0 / 7, 3.0 / 7, 0, 0, 0}},
        DistCase{"min_p02", 1.0, 0, 1.0, 0.2, {0.4 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0.1 / 0.95, 0}},
        // top-p applies to the top-k renormalised mass: 0.4/0.85 + 0.3/0.85 > 0.8 keeps two.
        DistCase{"top_k3_top_p08", 1.0, 3, 0.8, 0.0, {4.0 / 7, 3.0 / 7, 0, 0, 0}},
        // T = 0.5 gives [0.5614, 0.3158, 0.0789, 0.0351, 0.0088]; min-p 0.3 keeps >= 0.1684.
        DistCase{"temperature05_min_p03", 0.5, 0, 1.0, 0.3, {0.64, 0.36, 0, 0, 0}}),
    [](const ::testing::TestParamInfo<DistCase>& info) { return std::string(info.param.name); });

TEST(Sampling, LogprobIsUnfilteredUnderTemperature) {
  SamplingParams p;
  p.temperature = 2.0;
  p.top_k = 2;
  // log of the T = 2 probabilities [0.300124, 0.259915, ...], before top-k.
  const double expected[] = {-1.203558087364796, -1.3473991235906864};
  SamplerScratch scratch;
  for (int i = 0; i < 200; ++i) {
    const TokenChoice t = sample_token(kLogits.data(), 5, p, sample_uniform(7, i, 3), scratch);
    ASSERT_LT(t.token, 2);
    EXPECT_NEAR(t.logprob, expected[t.token], 1e-5);
  }
}

TEST(Sampling, GreedyTakesFirstMaximumWithTemperatureOneLogprob) {
  const std::vector<float> logits = {1.0f, 3.0f, 2.0f, 3.0f};
  SamplingParams p;
  p.temperature = 0.0;
  p.top_k = 1;  // ignored when greedy
  SamplerScratch scratch;
  const TokenChoice t = sample_token(logits.data(), 4, p, 0.999, scratch);
  EXPECT_EQ(t.token, 1);
  EXPECT_NEAR(t.logprob, -0.9175757955891974, 1e-6);  // 3 - log(e + 2e^3 + e^2)
}

TEST(Sampling, InverseCdfUsesTheUniform) {
  // Probabilities [0.4, 0.3, 0.15, 0.1, 0.05] in vocabulary order: cumulative 0.4, 0.7, 0.85, 0.95, 1.
  SamplingParams p;
  SamplerScratch scratch;
  const double us[] = {0.0, 0.39, 0.41, 0.69, 0.71, 0.9, 0.96, 0.999999};
  const int32_t expected[] = {0, 0, 1, 1, 2, 3, 4, 4};
  for (size_t i = 0; i < 8; ++i)
    EXPECT_EQ(sample_token(kLogits.data(), 5, p, us[i], scratch).token, expected[i]) << "u = " << us[i];
}

TEST(Sampling, NonFiniteLogitsThrowRunError) {
  SamplingParams p;
  SamplerScratch scratch;
  const std::vector<float> nan_logits = {0.0f, std::nanf(""), 1.0f};
  const std::vector<float> inf_logits = {0.0f, INFINITY, 1.0f};
  EXPECT_THROW(sample_token(nan_logits.data(), 3, p, 0.5, scratch), RunError);
  EXPECT_THROW(sample_token(inf_logits.data(), 3, p, 0.5, scratch), RunError);
}

TEST(Sampling, BatchedRowsMatchSingleRows) {
  // Two rows; the batch call picks rows by index and gives each its own uniform.
  std::vector<float> logits = kLogits;
  logits.insert(logits.end(), {0.0f, 0.0f, 0.0f, 5.0f, 0.0f});
  SamplingParams p;
  std::vector<TokenChoice> out;
  sample_tokens(logits.data(), 5, {1, 0, 1}, {0.5, 0.5, 0.999}, p, out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].token, 3);
  EXPECT_EQ(out[1].token, 1);  // cumulative 0.4 < 0.5 <= 0.7
  EXPECT_EQ(out[2].token, 4);
}

TEST(SamplingParams, ValidateRejectsBadValues) {
  struct Row {
    const char* what;
    void (*set)(SamplingParams&);
  };
  const Row rows[] = {
      {"temperature", [](SamplingParams& p) { p.temperature = -0.1; }},
      {"top_p", [](SamplingParams& p) { p.top_p = 0.0; }},
      {"top_p", [](SamplingParams& p) { p.top_p = 1.5; }},
      {"top_k", [](SamplingParams& p) { p.top_k = -1; }},
      {"min_p", [](SamplingParams& p) { p.min_p = 1.5; }},
      {"max_new_tokens", [](SamplingParams& p) { p.max_new_tokens = 0; }},
      {"stop string 1", [](SamplingParams& p) { p.stop = {"x", ""}; }},
  };
  for (const Row& r : rows) {
    SamplingParams p;
    r.set(p);
    try {
      p.validate();
      ADD_FAILURE() << r.what << " accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(r.what), std::string::npos) << e.what();
    }
  }
  EXPECT_NO_THROW(SamplingParams{}.validate());
}

TEST(SamplingParams, FromRolloutConfigCopiesFields) {
  RolloutConfig c;
  c.temperature = 0.7;
  c.top_p = 0.9;
  c.top_k = 5;
  c.min_p = 0.05;
  c.max_new_tokens = 12;
  c.stop = {"</answer>"};
  const SamplingParams p = SamplingParams::from(c);
  EXPECT_EQ(p.temperature, 0.7);
  EXPECT_EQ(p.top_p, 0.9);
  EXPECT_EQ(p.top_k, 5);
  EXPECT_EQ(p.min_p, 0.05);
  EXPECT_EQ(p.max_new_tokens, 12);
  EXPECT_EQ(p.stop, std::vector<std::string>{"</answer>"});
  EXPECT_TRUE(p.stop_token_ids.empty());
}

TEST(SampleUniform, DependsOnEveryKeyAndStaysInRange) {
  EXPECT_EQ(sample_uniform(1, 2, 3), sample_uniform(1, 2, 3));
  EXPECT_NE(sample_uniform(1, 2, 3), sample_uniform(2, 2, 3));
  EXPECT_NE(sample_uniform(1, 2, 3), sample_uniform(1, 3, 3));
  EXPECT_NE(sample_uniform(1, 2, 3), sample_uniform(1, 2, 4));
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    const double u = sample_uniform(0, i % 100, i / 100);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / 10000, 0.5, 0.02);  // 0.02 is > 6 standard deviations (0.0029)
}

}  // namespace
}  // namespace zerorl
