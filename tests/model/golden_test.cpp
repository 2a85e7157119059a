// The transformer against logits from scripts/golden_transformer.py, an independent float64
// implementation of the Hugging Face equations (fixtures in tests/model/fixtures/golden_*).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <map>

#include "model/hf_checkpoint.h"

namespace zerorl {
namespace {

const std::string kFixtures = std::string(ZERORL_SOURCE_DIR) + "/tests/model/fixtures/";

std::map<std::string, torch::Tensor> expected(const std::string& family) {
  std::map<std::string, torch::Tensor> out;
  for (auto& [n, t] : load_safetensors(kFixtures + "golden_" + family + "/expected.safetensors")) out[n] = t;
  return out;
}

// Largest |difference| over real (unpadded) positions.
double max_diff_real(const torch::Tensor& got, const torch::Tensor& want, const torch::Tensor& mask) {
  auto real = mask.to(torch::kBool).unsqueeze(-1).expand_as(want);
  return (got - want).abs().masked_select(real).max().item<double>();
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, FullForwardMatchesReference) {
  auto m = load_pretrained(kFixtures + "golden_" + GetParam(), "cpu", "float32");
  auto e = expected(GetParam());
  auto logits = m->forward(e.at("input_ids"), e.at("attention_mask"));
  ASSERT_EQ(logits.sizes(), e.at("logits").sizes());
  EXPECT_LE(max_diff_real(logits, e.at("logits"), e.at("attention_mask")), 1e-5);
  EXPECT_GT(e.at("logits").abs().max().item<double>(), 1.0);  // the fixture is not degenerate
}

TEST_P(Golden, CachedDecodingMatchesReference) {
  auto m = load_pretrained(kFixtures + "golden_" + GetParam(), "cpu", "float32");
  auto e = expected(GetParam());
  const auto& ids = e.at("input_ids");
  const int64_t B = ids.size(0), T = ids.size(1), prefill = 4;
  auto cache = KVCache::allocate(m->config(), B, T, torch::kFloat, torch::kCPU);
  std::vector<torch::Tensor> parts = {m->forward_cached(ids.narrow(1, 0, prefill), torch::zeros({B}, torch::kLong), cache)};
  for (int64_t t = prefill; t < T; ++t)
    parts.push_back(m->forward_cached(ids.narrow(1, t, 1), torch::full({B}, t, torch::kLong), cache));
  EXPECT_LE(max_diff_real(torch::cat(parts, 1), e.at("logits"), e.at("attention_mask")), 1e-5);
}

TEST_P(Golden, ReferenceCheckpointPassesChecker) {
  if (std::system("python3 -c pass > /dev/null 2>&1") != 0) GTEST_SKIP() << "python3 not found";
  std::string cmd = "python3 " + std::string(ZERORL_SOURCE_DIR) + "/scripts/check_hf_checkpoint.py " + kFixtures +
                    "golden_" + GetParam() + " > /dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

INSTANTIATE_TEST_SUITE_P(Families, Golden, ::testing::Values("llama", "qwen2", "qwen3"));

}  // namespace
}  // namespace zerorl
