#include "rollout/bench_rollout.h"

#include <algorithm>
#include <random>

#include "core/error.h"
#include "core/log.h"
#include "model/threads.h"
#include "model/tokenizer/tokenizer.h"
#include "model/transformer.h"
#include "rollout/engine.h"
#include "rollout/uncached.h"

namespace zerorl {

namespace {

// Best-of-n GFLOP/s of an n x n fp32 matrix product: the machine's ceiling for dense work.
double matmul_gflops(int64_t n, int64_t repeats) {
  torch::InferenceMode inference;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
  auto a = torch::empty({n, n}).uniform_(-1, 1, gen), b = torch::empty({n, n}).uniform_(-1, 1, gen);
  auto c = torch::mm(a, b);  // warm-up
  double best = 0;
  for (int64_t r = 0; r < repeats; ++r) {
    const double t0 = now_seconds();
    torch::mm_out(c, a, b);
    best = std::max(best, 2.0 * n * n * n / (now_seconds() - t0) / 1e9);
  }
  return best;
}

}  // namespace

nlohmann::json bench_rollout(const Config& cfg) {
  const BenchConfig& b = cfg.bench;
  const std::string threads = set_compute_threads(cfg.run.threads);
  ModelConfig mc = cfg.model;
  mc.path = "";
  mc.max_position_embeddings = std::max(mc.max_position_embeddings, b.prompt_tokens + b.new_tokens);
  log_info("bench rollout: hidden " + std::to_string(mc.hidden_size) + ", " + std::to_string(mc.num_hidden_layers) +
           " layers, vocab " + std::to_string(mc.vocab_size) + "; " + std::to_string(b.batch) + " sequences x (" +
           std::to_string(b.prompt_tokens) + " prompt + " + std::to_string(b.new_tokens) + " new tokens); " + threads);
  Transformer model(mc);
  init_weights(model, static_cast<uint64_t>(cfg.run.seed));

  std::mt19937_64 rng(static_cast<uint64_t>(cfg.run.seed) + 1);
  std::uniform_int_distribution<int32_t> token(0, static_cast<int32_t>(mc.vocab_size - 1));
  std::vector<GenerationRequest> reqs(b.batch);
  for (int64_t i = 0; i < b.batch; ++i) {
    reqs[i].prompt_ids.resize(b.prompt_tokens);
    for (auto& id : reqs[i].prompt_ids) id = token(rng);
    reqs[i].seed = static_cast<uint64_t>(i);
  }
  SamplingParams p = SamplingParams::from(cfg.rollout);
  p.max_new_tokens = b.new_tokens;
  p.stop.clear();  // forced generation: every sequence runs to new_tokens
  p.stop_token_ids.clear();
  const double expected = static_cast<double>(b.batch * b.new_tokens);

  const Tokenizer none;  // no text is decoded
  Engine engine(model, none, cfg.rollout);
  engine.generate(reqs, p);  // warm-up: allocates the cache, builds RoPE tables
  double best = 0, prefill = 0, flops = 0;
  Engine::Stats kept;
  for (int64_t r = 0; r < b.repeats; ++r) {
    engine.generate(reqs, p);
    const auto& s = engine.last_stats();
    if (static_cast<double>(s.generated_tokens) != expected)
      throw RunError("bench rollout: generated " + std::to_string(s.generated_tokens) + " tokens, expected " +
                     std::to_string(static_cast<int64_t>(expected)));
    const double tps = expected / s.seconds;
    log_info("bench rollout: KV cache run " + std::to_string(r + 1) + "/" + std::to_string(b.repeats) + ": " +
             std::to_string(static_cast<int64_t>(tps)) + " tokens/s");
    if (tps > best) {
      best = tps;
      flops = s.model_flops / s.seconds;
      kept = s;
    }
    if (s.prefill_seconds > 0) prefill = std::max(prefill, s.prefill_tokens / s.prefill_seconds);
  }

  double no_cache = 0;
  generate_uncached(model, nullptr, reqs, p);  // warm-up
  for (int64_t r = 0; r < b.repeats; ++r) {
    const double t0 = now_seconds();
    generate_uncached(model, nullptr, reqs, p);
    const double tps = expected / (now_seconds() - t0);
    log_info("bench rollout: no-cache run " + std::to_string(r + 1) + "/" + std::to_string(b.repeats) + ": " +
             std::to_string(static_cast<int64_t>(tps)) + " tokens/s");
    no_cache = std::max(no_cache, tps);
  }
  const double matmul = matmul_gflops(1024, 10);

  nlohmann::json out;
  out["tokens_per_s"] = best;
  out["no_cache_tokens_per_s"] = no_cache;
  out["prefill_tokens_per_s"] = prefill;
  out["model_gflop_per_s"] = flops / 1e9;
  out["matmul_gflop_per_s"] = matmul;
  out["speedup_vs_no_cache"] = best / no_cache;
  out["model_vs_matmul"] = flops / 1e9 / matmul;
  out["decode_ms_per_step"] = kept.decode_steps > 0 ? 1e3 * (kept.seconds - kept.prefill_seconds) / kept.decode_steps : 0.0;
  out["batch"] = b.batch;
  out["prompt_tokens"] = b.prompt_tokens;
  out["new_tokens"] = b.new_tokens;
  out["slots"] = kept.slots;
  out["threads"] = threads;
  return out;
}

}  // namespace zerorl
