// FLOP counting by hand, and the rollout benchmark's output on a tiny shape.
#include <gtest/gtest.h>

#include "rollout/bench_rollout.h"
#include "rollout/flops.h"

namespace zerorl {
namespace {

TEST(ForwardFlops, CountsLinearLayersAndAttentionByHand) {
  ModelConfig m;
  m.hidden_size = 8;
  m.num_hidden_layers = 1;
  m.num_attention_heads = 2;
  m.num_key_value_heads = 1;
  m.head_dim = 4;
  m.intermediate_size = 16;
  m.vocab_size = 10;
  // Per token: qkv 8*(2+2)*4 = 128, o 2*4*8 = 64, gate/up 8*32 = 256, down 16*8 = 128, head 8*10 = 80
  // multiply-adds = 656; attention over 5 keys: QK^T 2*4*5 + AV 2*4*5 = 80. 3 rows x 2 tokens x 2 FLOPs.
  EXPECT_DOUBLE_EQ(forward_flops(m, 3, 2, 5), 2.0 * 3 * 2 * (656 + 80));
}

TEST(BenchRollout, ReportsEveryFigure) {
  Config cfg;
  cfg.model.hidden_size = 16;
  cfg.model.num_hidden_layers = 1;
  cfg.model.num_attention_heads = 2;
  cfg.model.num_key_value_heads = 2;
  cfg.model.intermediate_size = 32;
  cfg.model.vocab_size = 12;
  cfg.model.max_position_embeddings = 4;  // raised to fit prompt + new tokens
  cfg.bench.batch = 3;
  cfg.bench.prompt_tokens = 2;
  cfg.bench.new_tokens = 4;
  cfg.bench.repeats = 1;
  cfg.run.threads = 1;
  const nlohmann::json out = bench_rollout(cfg);
  for (const char* key : {"tokens_per_s", "no_cache_tokens_per_s", "prefill_tokens_per_s", "model_gflop_per_s",
                          "matmul_gflop_per_s"}) {
    ASSERT_TRUE(out.contains(key)) << key;
    EXPECT_GT(out[key].get<double>(), 0) << key;
  }
  EXPECT_EQ(out["batch"], 3);
  EXPECT_EQ(out["new_tokens"], 4);
}

}  // namespace
}  // namespace zerorl
