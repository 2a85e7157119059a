// The transformer's two paths must agree: KV-cache decoding vs the full forward, padded vs unpadded.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <ATen/CPUGeneratorImpl.h>

#include "core/error.h"

#include "model/threads.h"
#include "model/transformer.h"

namespace zerorl {
namespace {

ModelConfig tiny(const std::string& type) {
  ModelConfig c;
  c.model_type = type;
  c.hidden_size = 32;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.intermediate_size = 40;
  c.vocab_size = 23;
  c.max_position_embeddings = 16;  // shorter than some tests: RoPE tables must grow
  c.initializer_range = 0.2;       // large enough that attention is far from uniform
  if (type == "qwen3") {
    c.head_dim = 16;  // differs from hidden / heads, as in real Qwen3 configs
    c.tie_word_embeddings = false;
  }
  if (type == "llama") {
    c.attention_bias = true;  // q/k/v and o biases
    c.rope_scaling_type = "llama3";
    c.rope_scaling_factor = 8;
    c.rope_scaling_original_max_position_embeddings = 64;
  }
  return c;
}

Transformer make(const ModelConfig& c, uint64_t seed = 1) {
  Transformer m(c);
  init_weights(m, seed);
  torch::NoGradGuard g;
  // Non-trivial norms and biases, so that a misplaced weight shows.
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed + 100);
  for (auto& p : m->named_parameters()) {
    const auto& n = p.key();
    if (n.find("norm") != std::string::npos || n.find("bias") != std::string::npos)
      p.value().copy_(torch::empty(p.value().sizes()).uniform_(0.5, 1.5, gen));
  }
  return m;
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

// (family, fused): the fused CPU pass and the LibTorch path (used on GPUs and for bfloat16) both checked.
class CacheEquivalence : public ::testing::TestWithParam<std::tuple<std::string, bool>> {
 protected:
  ModelConfig config() const { return tiny(std::get<0>(GetParam())); }
  Transformer model(const ModelConfig& cfg, uint64_t seed = 1) const {
    auto m = make(cfg, seed);
    m->set_fused_cpu_decode(std::get<1>(GetParam()));
    return m;
  }
};

// Prompts of different lengths, prefilled together with right padding, then decoded one token per
// step with each row's true start: every real position's logits equal the full forward's.
TEST_P(CacheEquivalence, PaddedPrefillThenDecodeMatchesFullForward) {
  auto cfg = config();
  auto m = model(cfg);
  const std::vector<int64_t> prompt_len = {3, 6, 1, 4};
  const int64_t B = 4, new_tokens = 14, P = 6;  // total up to 20 > max_position_embeddings
  auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
  auto tokens = torch::randint(cfg.vocab_size, {B, P + new_tokens}, gen, torch::kLong);
  auto cache = KVCache::allocate(cfg, 6, 24, torch::kFloat, torch::kCPU);

  // Reference: each row alone, unpadded, full forward over prompt + new tokens.
  std::vector<torch::Tensor> ref;
  for (int64_t b = 0; b < B; ++b)
    ref.push_back(m->forward(tokens[b].narrow(0, 0, prompt_len[b] + new_tokens).unsqueeze(0))[0].detach());

  auto prefill_ids = torch::zeros({B, P}, torch::kLong);
  for (int64_t b = 0; b < B; ++b) prefill_ids[b].narrow(0, 0, prompt_len[b]).copy_(tokens[b].narrow(0, 0, prompt_len[b]));
  auto logits = m->forward_cached(prefill_ids, torch::zeros({B}, torch::kLong), cache);
  ASSERT_EQ(logits.sizes(), (std::vector<int64_t>{B, P, cfg.vocab_size}));
  for (int64_t b = 0; b < B; ++b)
    EXPECT_LE(max_diff(logits[b].narrow(0, 0, prompt_len[b]), ref[b].narrow(0, 0, prompt_len[b])), 1e-5) << b;

  for (int64_t s = 0; s < new_tokens; ++s) {
    auto start = torch::tensor(prompt_len, torch::kLong) + s;
    auto ids = torch::empty({B, 1}, torch::kLong);
    for (int64_t b = 0; b < B; ++b) ids[b][0] = tokens[b][prompt_len[b] + s];
    auto step = m->forward_cached(ids, start, cache);
    for (int64_t b = 0; b < B; ++b)
      EXPECT_LE(max_diff(step[b][0], ref[b][prompt_len[b] + s]), 1e-5) << "row " << b << " step " << s;
  }
}

// Chunks of several tokens per call, with rows at different starts (speculative / chunked prefill).
TEST_P(CacheEquivalence, ChunkedDecodeMatchesFullForward) {
  auto cfg = config();
  auto m = model(cfg, 3);
  const int64_t B = 3, T = 3;
  auto tokens = torch::randint(cfg.vocab_size, {B, 12}, torch::kLong);
  auto full = m->forward(tokens).detach();
  auto cache = KVCache::allocate(cfg, B, 12, torch::kFloat, torch::kCPU);
  // Row b starts with b tokens cached (right-padded prefill), so the chunks are misaligned across rows.
  auto first = torch::zeros({B, 2}, torch::kLong);
  for (int64_t b = 0; b < B; ++b) first[b].narrow(0, 0, b).copy_(tokens[b].narrow(0, 0, b));
  m->forward_cached(first, torch::zeros({B}, torch::kLong), cache);
  for (int64_t c = 0; c < 3; ++c) {
    auto ids = torch::empty({B, T}, torch::kLong);
    std::vector<int64_t> st;
    for (int64_t b = 0; b < B; ++b) {
      st.push_back(b + c * T);
      ids[b].copy_(tokens[b].narrow(0, b + c * T, T));
    }
    auto out = m->forward_cached(ids, torch::tensor(st, torch::kLong), cache);
    for (int64_t b = 0; b < B; ++b)
      EXPECT_LE(max_diff(out[b], full[b].narrow(0, b + c * T, T)), 1e-5) << "row " << b << " chunk " << c;
  }
}

// A long prefill, then single-token steps.
TEST_P(CacheEquivalence, LongPrefillThenDecodeMatchesFullForward) {
  auto cfg = config();
  auto m = model(cfg, 4);
  const int64_t B = 2, P = 10, N = 4;
  auto tokens = torch::randint(cfg.vocab_size, {B, P + N}, torch::kLong);
  auto full = m->forward(tokens).detach();
  auto cache = KVCache::allocate(cfg, B, P + N, torch::kFloat, torch::kCPU);
  auto out = m->forward_cached(tokens.narrow(1, 0, P), torch::zeros({B}, torch::kLong), cache);
  EXPECT_LE(max_diff(out, full.narrow(1, 0, P)), 1e-5);
  for (int64_t s = 0; s < N; ++s) {
    auto step = m->forward_cached(tokens.narrow(1, P + s, 1), torch::full({B}, P + s, torch::kLong), cache);
    EXPECT_LE(max_diff(step, full.narrow(1, P + s, 1)), 1e-5) << s;
  }
}

INSTANTIATE_TEST_SUITE_P(Families, CacheEquivalence,
                         ::testing::Combine(::testing::Values("llama", "qwen2", "qwen3"), ::testing::Bool()));

// The fused pass splits rows over row_threads() threads: any split gives the LibTorch path's logits and
// cache, for rows at different positions, single tokens and chunks.
TEST(Transformer, FusedDecodeMatchesLibTorchPathForEveryThreadCount) {
  for (const std::string family : {"llama", "qwen3"}) {
    auto cfg = tiny(family);
    auto fused = make(cfg, 5), plain = make(cfg, 5);
    plain->set_fused_cpu_decode(false);
    const int64_t B = 5;
    auto tokens = torch::randint(cfg.vocab_size, {B, 9}, torch::kLong);
    auto start = torch::tensor(std::vector<int64_t>{0, 3, 1, 5, 2}, torch::kLong);
    for (int threads : {1, 2, 3, 7}) {
      set_compute_threads(threads);
      auto a = KVCache::allocate(cfg, B, 12, torch::kFloat, torch::kCPU);
      auto b = KVCache::allocate(cfg, B, 12, torch::kFloat, torch::kCPU);
      for (auto* c : {&a, &b}) {  // same random history in both caches
        for (size_t l = 0; l < c->k.size(); ++l) {
          auto gen = at::make_generator<at::CPUGeneratorImpl>(40 + l);
          c->k[l].normal_(0, 1, gen);
          c->v[l].normal_(0, 1, gen);
        }
      }
      for (int64_t T : {1, 3}) {
        auto ids = tokens.narrow(1, T, T);
        auto st = start + T;
        auto x = fused->forward_cached(ids, st, a), y = plain->forward_cached(ids, st, b);
        EXPECT_LE(max_diff(x, y), 1e-5) << family << ", " << threads << " threads, T " << T;
        for (size_t l = 0; l < a.k.size(); ++l) {
          EXPECT_LE(max_diff(a.k[l], b.k[l]), 1e-5) << family << " layer " << l;
          EXPECT_LE(max_diff(a.v[l], b.v[l]), 1e-5) << family << " layer " << l;
        }
      }
    }
    set_compute_threads(0);
  }
}

TEST(Transformer, RightPaddingLeavesRealPositionsUnchanged) {
  auto cfg = tiny("qwen2");
  auto m = make(cfg);
  auto ids = torch::randint(cfg.vocab_size, {2, 7}, torch::kLong);
  auto mask = torch::ones({2, 7}, torch::kLong);
  mask[1].narrow(0, 4, 3).zero_();
  auto padded = m->forward(ids, mask).detach();
  auto alone = m->forward(ids[1].narrow(0, 0, 4).unsqueeze(0)).detach();
  EXPECT_LE(max_diff(padded[1].narrow(0, 0, 4), alone[0]), 1e-5);
  EXPECT_LE(max_diff(padded[0], m->forward(ids.narrow(0, 0, 1))[0].detach()), 1e-5);
  EXPECT_FALSE(torch::isnan(padded).any().item<bool>());
}

TEST(Transformer, AllPadRowGivesFiniteLogits) {
  auto cfg = tiny("llama");
  auto m = make(cfg);
  auto ids = torch::zeros({2, 3}, torch::kLong);
  auto mask = torch::zeros({2, 3}, torch::kLong);
  mask[0].fill_(1);
  EXPECT_TRUE(torch::isfinite(m->forward(ids, mask)).all().item<bool>());
}

TEST(Transformer, CausalFutureTokensDoNotChangePast) {
  auto cfg = tiny("qwen3");
  auto m = make(cfg);
  auto ids = torch::randint(cfg.vocab_size, {1, 6}, torch::kLong);
  auto a = m->forward(ids).detach();
  ids[0][5] = (ids[0][5].item<int64_t>() + 1) % cfg.vocab_size;
  auto b = m->forward(ids).detach();
  EXPECT_EQ(max_diff(a.narrow(1, 0, 5), b.narrow(1, 0, 5)), 0.0);
  EXPECT_GT(max_diff(a.narrow(1, 5, 1), b.narrow(1, 5, 1)), 1e-4);
}

TEST(Transformer, CachedCallLeavesOtherRowsAlone) {
  auto cfg = tiny("llama");
  auto m = make(cfg);
  auto cache = KVCache::allocate(cfg, 4, 8, torch::kFloat, torch::kCPU);
  m->forward_cached(torch::ones({2, 3}, torch::kLong), torch::zeros({2}, torch::kLong), cache);
  EXPECT_EQ(cache.k[0].narrow(0, 2, 2).abs().sum().item<double>(), 0.0);
  EXPECT_EQ(cache.k[1].narrow(0, 0, 2).narrow(2, 3, 5).abs().sum().item<double>(), 0.0);
  EXPECT_GT(cache.v[1].narrow(0, 0, 2).narrow(2, 0, 3).abs().sum().item<double>(), 0.0);
}

TEST(Transformer, CachedCallRejectsOverflow) {
  auto cfg = tiny("llama");
  auto m = make(cfg);
  auto cache = KVCache::allocate(cfg, 2, 4, torch::kFloat, torch::kCPU);
  EXPECT_THROW(m->forward_cached(torch::ones({1, 2}, torch::kLong), torch::tensor({int64_t{3}}), cache), c10::Error);
  EXPECT_THROW(m->forward_cached(torch::ones({3, 1}, torch::kLong), torch::zeros({3}, torch::kLong), cache), c10::Error);
  auto bf16 = KVCache::allocate(cfg, 2, 4, torch::kBFloat16, torch::kCPU);
  EXPECT_THROW(m->forward_cached(torch::ones({1, 1}, torch::kLong), torch::zeros({1}, torch::kLong), bf16), c10::Error);
}

TEST(KVCache, BytesMatchAllocation) {
  auto cfg = tiny("qwen3");  // head_dim 16
  auto cache = KVCache::allocate(cfg, 3, 5, torch::kBFloat16, torch::kCPU);
  // 2 layers * (K and V) * 3 rows * 2 kv heads * 5 positions * 16 dims * 2 bytes
  EXPECT_EQ(cache.bytes(), 2 * 2 * 3 * 2 * 5 * 16 * 2);
  EXPECT_EQ(KVCache::bytes_needed(cfg, 3, 5, torch::kBFloat16), cache.bytes());
  EXPECT_EQ(cache.k[0].sizes(), (std::vector<int64_t>{3, 2, 5, 16}));
}

TEST(Transformer, HuggingFaceParameterNames) {
  auto cfg = tiny("qwen3");
  Transformer m(cfg);
  auto params = m->named_parameters();
  for (const char* name : {"model.embed_tokens.weight", "model.layers.1.input_layernorm.weight",
                           "model.layers.0.self_attn.q_norm.weight", "model.layers.0.self_attn.k_norm.weight",
                           "model.layers.0.self_attn.o_proj.weight", "model.layers.1.post_attention_layernorm.weight",
                           "model.layers.1.mlp.down_proj.weight", "model.norm.weight", "lm_head.weight"})
    EXPECT_NE(params.find(name), nullptr) << name;
  EXPECT_EQ(params.find("model.layers.0.self_attn.qkv_proj.bias"), nullptr);
  // 4 q heads + 2 k + 2 v heads of 16
  EXPECT_EQ(params["model.layers.0.self_attn.qkv_proj.weight"].sizes(), (std::vector<int64_t>{128, 32}));
}

TEST(Transformer, InitIsDeterministicPerSeed) {
  auto cfg = tiny("qwen2");
  auto a = make(cfg, 5), b = make(cfg, 5), c = make(cfg, 6);
  auto pa = a->parameters(), pb = b->parameters(), pc = c->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  bool any_diff = false;
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_TRUE(torch::equal(pa[i], pb[i])) << i;
    any_diff = any_diff || !torch::equal(pa[i], pc[i]);
  }
  EXPECT_TRUE(any_diff);
  Transformer d(cfg);
  init_weights(d, 5);
  EXPECT_NEAR(d->embed_weight().std().item<double>(), 0.2, 0.02);
  EXPECT_EQ(d->blocks()[0].qkv_b.abs().sum().item<double>(), 0.0);
  EXPECT_EQ(d->final_norm_weight().mean().item<double>(), 1.0);
}

TEST(Transformer, GradientsReachEveryParameter) {
  auto cfg = tiny("qwen3");
  auto m = make(cfg);
  auto ids = torch::randint(cfg.vocab_size, {2, 5}, torch::kLong);
  auto mask = torch::ones({2, 5}, torch::kLong);
  mask[1][4] = 0;
  m->forward(ids, mask).logsumexp(-1).sum().backward();
  for (auto& p : m->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0.0) << p.key();
  }
}

TEST(Transformer, Bfloat16FollowsFloat32) {
  auto cfg = tiny("llama");
  auto m32 = make(cfg);
  cfg.dtype = "bfloat16";
  Transformer m16(cfg);
  {
    torch::NoGradGuard g;
    auto p32 = m32->parameters(), p16 = m16->parameters();
    for (size_t i = 0; i < p32.size(); ++i) p16[i].copy_(p32[i]);
  }
  auto ids = torch::randint(cfg.vocab_size, {2, 6}, torch::kLong);
  auto a = m32->forward(ids).detach(), b = m16->forward(ids).detach();
  EXPECT_EQ(b.scalar_type(), torch::kFloat);
  EXPECT_LT(max_diff(a, b), 0.05 * a.abs().max().item<double>() + 0.05);
  auto cache = KVCache::allocate(cfg, 2, 6, torch::kBFloat16, torch::kCPU);
  auto c = m16->forward_cached(ids, torch::zeros({2}, torch::kLong), cache);
  EXPECT_LT(max_diff(a, c), 0.05 * a.abs().max().item<double>() + 0.05);
}

TEST(Transformer, CloneIsDeepAndEqual) {
  auto cfg = tiny("qwen3");
  auto m = make(cfg);
  auto c = clone_transformer(m);
  auto ids = torch::randint(cfg.vocab_size, {2, 4}, torch::kLong);
  EXPECT_TRUE(torch::equal(m->forward(ids), c->forward(ids)));
  {
    torch::NoGradGuard g;
    c->blocks()[0].down_w.add_(1.0);
  }
  EXPECT_FALSE(torch::equal(m->forward(ids), c->forward(ids)));
}

TEST(Transformer, BadConfigIsInputError) {
  auto cfg = tiny("llama");
  cfg.num_key_value_heads = 3;
  EXPECT_THROW(Transformer{cfg}, InputError);
  cfg = tiny("llama");
  cfg.model_type = "gpt2";
  EXPECT_THROW(Transformer{cfg}, InputError);
}

}  // namespace
}  // namespace zerorl
