// The engine against the uncached reference path and against itself under other batch limits,
// on a tiny random model with a character tokenizer.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "model/tokenizer/tokenizer.h"
#include "model/transformer.h"
#include "rollout/engine.h"
#include "rollout/uncached.h"

namespace zerorl {
namespace {

Tokenizer char_tokenizer() {
  std::vector<std::string> symbols;
  for (char c : std::string("abcdefghij0123456789 +=")) symbols.emplace_back(1, c);
  return Tokenizer::characters(symbols, {"<eos>", "<pad>"}, "<eos>", "<pad>");
}

ModelConfig tiny_config(int64_t vocab) {
  ModelConfig c;
  c.hidden_size = 32;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;  // grouped-query attention
  c.intermediate_size = 48;
  c.vocab_size = vocab;
  c.max_position_embeddings = 64;
  c.initializer_range = 0.3;  // peaked distributions, so tokens do not hinge on rounding
  return c;
}

Transformer tiny_model(const ModelConfig& c, uint64_t seed = 1) {
  Transformer m(c);
  init_weights(m, seed);
  return m;
}

RolloutConfig rollout_config(int64_t max_batch_seqs, int64_t kv_cache_mb = 64) {
  RolloutConfig r;
  r.max_batch_seqs = max_batch_seqs;
  r.kv_cache_mb = kv_cache_mb;
  return r;
}

std::vector<GenerationRequest> requests(const Tokenizer& tok, const std::vector<std::string>& prompts,
                                        int64_t samples) {
  std::vector<GenerationRequest> reqs;
  for (size_t i = 0; i < prompts.size(); ++i)
    reqs.push_back({tok.encode(prompts[i]), samples, 1000 + i});
  return reqs;
}

void expect_same(const std::vector<std::vector<Sample>>& a, const std::vector<std::vector<Sample>>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t r = 0; r < a.size(); ++r) {
    ASSERT_EQ(a[r].size(), b[r].size());
    for (size_t s = 0; s < a[r].size(); ++s) {
      SCOPED_TRACE("request " + std::to_string(r) + " sample " + std::to_string(s));
      EXPECT_EQ(a[r][s].tokens, b[r][s].tokens);
      EXPECT_EQ(a[r][s].finish_reason, b[r][s].finish_reason);
      EXPECT_EQ(a[r][s].text, b[r][s].text);
      ASSERT_EQ(a[r][s].logprobs.size(), b[r][s].logprobs.size());
      for (size_t t = 0; t < a[r][s].logprobs.size(); ++t) EXPECT_NEAR(a[r][s].logprobs[t], b[r][s].logprobs[t], 1e-4);
    }
  }
}

const std::vector<std::string> kPrompts = {"ab", "1+2=", "hi jab", "j", "99 + 1 = ", "abcdefghij"};

TEST(Engine, GreedyMatchesUncachedRecompute) {
  const Tokenizer tok = char_tokenizer();
  Transformer model = tiny_model(tiny_config(tok.vocab_size()));
  SamplingParams p;
  p.temperature = 0;
  p.max_new_tokens = 12;
  const auto reqs = requests(tok, kPrompts, 2);
  Engine engine(model, tok, rollout_config(256));
  const auto cached = engine.generate(reqs, p);
  expect_same(cached, generate_uncached(model, &tok, reqs, p));
  EXPECT_EQ(cached[1][0].tokens, cached[1][1].tokens);  // greedy: both samples alike
  EXPECT_EQ(engine.last_stats().generated_tokens, 6 * 2 * 12);
}

// Several stop tokens make sequences finish at different steps, so rows leave the batch and (with a
// small max_batch_seqs) waiting sequences take their slots.
SamplingParams ragged_sampling(const Tokenizer& tok) {
  SamplingParams p;
  p.temperature = 1.0;
  p.max_new_tokens = 16;
  p.stop_token_ids = {tok.eos_id(), tok.token_to_id("a"), tok.token_to_id("5")};
  return p;
}

TEST(Engine, SeededSamplingMatchesUncachedAsRowsFinish) {
  const Tokenizer tok = char_tokenizer();
  Transformer model = tiny_model(tiny_config(tok.vocab_size()));
  const SamplingParams p = ragged_sampling(tok);
  const auto reqs = requests(tok, kPrompts, 4);
  const auto reference = generate_uncached(model, &tok, reqs, p);
  std::set<size_t> lengths;
  std::set<std::string> reasons;
  for (auto& group : reference)
    for (auto& s : group) {
      lengths.insert(s.tokens.size());
      reasons.insert(s.finish_reason);
    }
  ASSERT_GE(lengths.size(), 4u) << "the test needs sequences that finish at different steps";
  ASSERT_EQ(reasons, (std::set<std::string>{"eos", "length"}));
  for (int64_t max_batch : {256, 16, 5, 1}) {
    SCOPED_TRACE("max_batch_seqs " + std::to_string(max_batch));
    Engine engine(model, tok, rollout_config(max_batch));
    expect_same(engine.generate(reqs, p), reference);
  }
}

TEST(Engine, PrefixSharingEqualsSeparatePrefillPerSample) {
  // max_batch_seqs 1 admits one sequence at a time, so each sample prefills its own prompt.
  const Tokenizer tok = char_tokenizer();
  Transformer model = tiny_model(tiny_config(tok.vocab_size()), 7);
  SamplingParams p;
  p.temperature = 0.9;
  p.max_new_tokens = 10;
  const auto reqs = requests(tok, {"1+2=", "abcdefghij"}, 6);
  Engine shared(model, tok, rollout_config(64));
  Engine separate(model, tok, rollout_config(1));
  const auto a = shared.generate(reqs, p);
  const auto b = separate.generate(reqs, p);
  expect_same(a, b);
  EXPECT_EQ(shared.last_stats().prefill_tokens, 4 + 10);
  EXPECT_EQ(separate.last_stats().prefill_tokens, 6 * (4 + 10));
  std::set<std::vector<int32_t>> distinct;
  for (auto& s : a[0]) distinct.insert(s.tokens);
  EXPECT_GT(distinct.size(), 1u) << "samples of one prompt should differ";
}

TEST(Engine, BatchLimitDoesNotChangeFilteredSampling) {
  const Tokenizer tok = char_tokenizer();
  Transformer model = tiny_model(tiny_config(tok.vocab_size()), 3);
  SamplingParams p = ragged_sampling(tok);
  p.temperature = 0.8;
  p.top_k = 10;
  p.top_p = 0.9;
  p.min_p = 0.02;
  const auto reqs = requests(tok, kPrompts, 3);
  Engine small(model, tok, rollout_config(3));
  Engine large(model, tok, rollout_config(256));
  expect_same(small.generate(reqs, p), large.generate(reqs, p));
  EXPECT_EQ(small.last_stats().slots, 3);
  EXPECT_EQ(large.last_stats().slots, 18);
}

TEST(Engine, RepeatedCallsAreReproducible) {
  const Tokenizer tok = char_tokenizer();
  Transformer model = tiny_model(tiny_config(tok.vocab_size()));
  const SamplingParams p = ragged_sampling(tok);
  Engine engine(model, tok, rollout_config(4));
  const auto reqs = requests(tok, kPrompts, 2);
  const auto first = engine.generate(reqs, p);
  expect_same(engine.generate(reqs, p), first);
  auto reseeded = reqs;
  for (auto& r : reseeded) r.seed += 1;
  const auto other = engine.generate(reseeded, p);
  int differ = 0;
  for (size_t r = 0; r < first.size(); ++r)
    for (size_t s = 0; s < first[r].size(); ++s) differ += first[r][s].tokens != other[r][s].tokens;
  EXPECT_GT(differ, 0);
}

// The greedy completion of one prompt, without any stop rule.
Sample greedy_completion(Engine& engine, const GenerationRequest& req, int64_t max_new) {
  SamplingParams p;
  p.temperature = 0;
  p.max_new_tokens = max_new;
  return engine.generate({req}, p)[0][0];
}

TEST(Engine, StopStringSpanningTokensStopsAtItsStart) {
  const Tokenizer tok = char_tokenizer();
  Transformer model = tiny_model(tiny_config(tok.vocab_size()), 5);
  Engine engine(model, tok, rollout_config(8));
  const GenerationRequest req{tok.encode("1+2="), 1, 0};
  const Sample full = greedy_completion(engine, req, 12);
  ASSERT_EQ(full.finish_reason, "length");
  // A stop string made of three tokens of the unstopped completion.
  const std::string stop = tok.decode(std::vector<int32_t>(full.tokens.begin() + 4, full.tokens.begin() + 7));
  // Reference: the shortest token prefix whose text contains the stop string, searched whole.
  size_t n = 1;
  while (tok.decode(std::vector<int32_t>(full.tokens.begin(), full.tokens.begin() + n)).find(stop) == std::string::npos) ++n;
  const std::string prefix_text = tok.decode(std::vector<int32_t>(full.tokens.begin(), full.tokens.begin() + n));
  SamplingParams p;
  p.temperature = 0;
  p.max_new_tokens = 12;
  p.stop = {stop};
  const Sample s = engine.generate({req}, p)[0][0];
  EXPECT_EQ(s.finish_reason, "stop");
  EXPECT_EQ(s.tokens, std::vector<int32_t>(full.tokens.begin(), full.tokens.begin() + n));
  EXPECT_EQ(s.text, prefix_text.substr(0, prefix_text.find(stop)));
  EXPECT_EQ(s.logprobs.size(), n);
  Transformer same = model;
  const Sample u = generate_uncached(same, &tok, {req}, p)[0][0];
  EXPECT_EQ(u.tokens, s.tokens);
  EXPECT_EQ(u.text, s.text);
}

TEST(Engine, StopTokenEndsWithEosReasonAndLeavesItOutOfText) {
  const Tokenizer tok = char_tokenizer();
  Transformer model = tiny_model(tiny_config(tok.vocab_size()), 5);
  Engine engine(model, tok, rollout_config(8));
  const GenerationRequest req{tok.encode("hi jab"), 1, 0};
  const Sample full = greedy_completion(engine, req, 10);
  const int32_t stop_id = full.tokens[5];
  const size_t first = std::find(full.tokens.begin(), full.tokens.end(), stop_id) - full.tokens.begin();
  SamplingParams p;
  p.temperature = 0;
  p.max_new_tokens = 10;
  p.stop_token_ids = {stop_id};
  const Sample s = engine.generate({req}, p)[0][0];
  EXPECT_EQ(s.finish_reason, "eos");
  EXPECT_EQ(s.tokens, std::vector<int32_t>(full.tokens.begin(), full.tokens.begin() + first + 1));
  EXPECT_EQ(s.logprobs.size(), s.tokens.size());
  EXPECT_EQ(s.text, tok.decode(std::vector<int32_t>(full.tokens.begin(), full.tokens.begin() + first)));
}

TEST(Engine, LengthLimitAndPositionLimit) {
  const Tokenizer tok = char_tokenizer();
  Transformer model = tiny_model(tiny_config(tok.vocab_size()));
  Engine engine(model, tok, rollout_config(8));
  SamplingParams p;
  p.max_new_tokens = 7;
  std::vector<GenerationRequest> reqs = {{tok.encode("ab"), 2, 1}, {std::vector<int32_t>(60, 3), 1, 2}};
  const auto out = engine.generate(reqs, p);
  for (auto& s : out[0]) {
    EXPECT_EQ(s.finish_reason, "length");
    EXPECT_EQ(s.tokens.size(), 7u);
    EXPECT_EQ(s.text, tok.decode(s.tokens));
  }
  // 60 prompt tokens under max_position_embeddings 64 leave room for 4.
  EXPECT_EQ(out[1][0].tokens.size(), 4u);
  EXPECT_EQ(out[1][0].finish_reason, "length");
}

TEST(Engine, ZeroSamplesAndNoRequests) {
  const Tokenizer tok = char_tokenizer();
  Transformer model = tiny_model(tiny_config(tok.vocab_size()));
  Engine engine(model, tok, rollout_config(8));
  SamplingParams p;
  EXPECT_TRUE(engine.generate({}, p).empty());
  const auto out = engine.generate({{tok.encode("ab"), 0, 1}, {tok.encode("cd"), 1, 1}}, p);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].empty());
  EXPECT_EQ(out[1].size(), 1u);
}

TEST(Engine, BadRequestsThrowInputError) {
  const Tokenizer tok = char_tokenizer();
  const ModelConfig c = tiny_config(tok.vocab_size());
  Transformer model = tiny_model(c);
  Engine engine(model, tok, rollout_config(8));
  SamplingParams p;
  struct Row {
    std::vector<GenerationRequest> reqs;
    std::vector<int32_t> stop_ids;
    const char* expect;
  };
  const std::vector<Row> rows = {
      {{{{}, 1, 0}}, {}, "prompt is empty"},
      {{{{1, 99}, 1, 0}}, {}, "prompt token id 99"},
      {{{std::vector<int32_t>(64, 1), 1, 0}}, {}, "64 tokens"},
      {{{{1}, -1, 0}}, {}, "num_samples = -1"},
      {{{{1}, 1, 0}}, {25}, "stop token id 25"},
  };
  for (const Row& r : rows) {
    SamplingParams q = p;
    q.stop_token_ids = r.stop_ids;
    try {
      engine.generate(r.reqs, q);
      ADD_FAILURE() << "accepted: " << r.expect;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(r.expect), std::string::npos) << e.what();
    }
  }
}

TEST(Engine, KvBudgetTooSmallForOneSequenceThrowsWithNumbers) {
  const Tokenizer tok = char_tokenizer();
  ModelConfig c = tiny_config(tok.vocab_size());
  c.max_position_embeddings = 10000;
  Transformer model = tiny_model(c);
  Engine engine(model, tok, rollout_config(8, 1));
  SamplingParams p;
  p.max_new_tokens = 9000;
  try {
    engine.generate({{tok.encode("ab"), 1, 0}}, p);
    FAIL() << "a 1 MiB budget was accepted";
  } catch (const InputError& e) {
    // 2 (K,V) x 2 layers x 2 kv heads x 8 head_dim x 4 bytes x 9002 tokens = 2304512 bytes = 2.20 MiB.
    const std::string msg = e.what();
    for (const char* part : {"rollout.kv_cache_mb = 1 MiB", "9002 tokens", "2.20 MiB", "at least 3"})
      EXPECT_NE(msg.find(part), std::string::npos) << "missing '" << part << "' in: " << msg;
  }
}

TEST(Engine, KvBudgetLimitsConcurrentSequences) {
  const Tokenizer tok = char_tokenizer();
  ModelConfig c = tiny_config(tok.vocab_size());
  c.num_key_value_heads = 4;
  c.max_position_embeddings = 1024;
  Transformer model = tiny_model(c, 11);
  SamplingParams p = ragged_sampling(tok);
  p.max_new_tokens = 1000;  // 2 x 2 x 4 x 8 x 4 bytes x 1004 tokens = 514048 bytes a sequence: 1 MiB holds 2
  for (int i = 0; i < 10; ++i) p.stop_token_ids.push_back(tok.token_to_id(std::string(1, "bcdefghij0"[i])));
  const auto reqs = requests(tok, {"ab", "1+2="}, 3);
  Engine tight(model, tok, rollout_config(256, 1));
  Engine roomy(model, tok, rollout_config(256, 64));
  expect_same(tight.generate(reqs, p), roomy.generate(reqs, p));
  EXPECT_EQ(tight.last_stats().slots, 2);
  EXPECT_EQ(roomy.last_stats().slots, 6);
}

TEST(Engine, ModelStillTrainsAfterGenerate) {
  // The engine runs under InferenceMode; tensors the model caches there (RoPE tables) must not break
  // a later forward and backward with autograd.
  const Tokenizer tok = char_tokenizer();
  Transformer model = tiny_model(tiny_config(tok.vocab_size()));
  Engine engine(model, tok, rollout_config(8));
  SamplingParams p;
  p.max_new_tokens = 4;
  engine.generate({{tok.encode("ab"), 2, 1}}, p);
  torch::Tensor ids = torch::tensor({{1, 2, 3, 4}}, torch::kInt64);
  torch::Tensor loss = model->forward(ids).logsumexp(-1).mean();
  loss.backward();
  EXPECT_TRUE(model->embed_weight().grad().defined());
  EXPECT_GT(model->embed_weight().grad().abs().sum().item<float>(), 0.0f);
}

}  // namespace
}  // namespace zerorl
