// Transformer speed with random weights: decode steps of the tiny rollout model (B=128), full forward
// tokens/s for the tiny config and a Qwen2.5-0.5B-shaped config, and the thread split that serves them.
// Prints figures; the last line is one JSON object. Never passes or fails on timings.
//
// usage: model_bench [--quick] [--no-big] [--threads N]
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <dlfcn.h>

#include <nlohmann/json.hpp>

#include "model/threads.h"
#include "model/transformer.h"

using namespace zerorl;

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU seconds of the whole process (all threads): less sensitive than wall time to other processes.
double cpu_now() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}
double g_last_cpu = 0;  // CPU seconds of the best repeat of the last measurement

std::string loadavg() {
  std::FILE* f = std::fopen("/proc/loadavg", "r");
  char buf[64] = "?";
  if (f) {
    if (!std::fgets(buf, sizeof buf, f)) buf[0] = 0;
    std::fclose(f);
  }
  std::string s(buf);
  return s.substr(0, s.find(' '));
}

// Best of `repeats` timings of fn (seconds).
template <class F> double best_of(int repeats, F&& fn) {
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    double t0 = now(), c0 = cpu_now();
    fn();
    if (now() - t0 < best) {
      best = now() - t0;
      g_last_cpu = cpu_now() - c0;
    }
  }
  return best;
}

ModelConfig tiny() {
  ModelConfig c;  // the defaults of core/config.h: hidden 128, 4 layers, 4 heads, intermediate 341, vocab 32
  return c;
}

ModelConfig qwen_half_b() {
  ModelConfig c;
  c.model_type = "qwen2";
  c.hidden_size = 896;
  c.num_hidden_layers = 24;
  c.num_attention_heads = 14;
  c.num_key_value_heads = 2;
  c.intermediate_size = 4864;
  c.vocab_size = 151936;
  c.max_position_embeddings = 32768;
  c.tie_word_embeddings = true;
  return c;
}

// One rollout-shaped generation: prefill `prompt` tokens for B rows, then `steps` decode steps.
// Returns seconds per decode step (best of repeats).
double decode_step_seconds(Transformer& m, int64_t B, int64_t prompt, int64_t steps, int repeats, bool inference_mode) {
  auto cache = KVCache::allocate(m->config(), B, prompt + steps, torch::kFloat, torch::kCPU);
  auto ids = torch::randint(m->config().vocab_size, {B, prompt}, torch::kLong);
  auto tok = torch::randint(m->config().vocab_size, {B, 1}, torch::kLong);
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    std::optional<c10::InferenceMode> guard;
    if (inference_mode) guard.emplace();
    m->forward_cached(ids, torch::zeros({B}, torch::kLong), cache);
    double t0 = now(), c0 = cpu_now();
    for (int64_t s = 0; s < steps; ++s) {
      auto logits = m->forward_cached(tok, torch::full({B}, prompt + s, torch::kLong), cache);
      tok = logits.select(1, 0).argmax(-1, true);  // greedy, as a sampler would read the logits
    }
    if ((now() - t0) / steps < best) {
      best = (now() - t0) / steps;
      g_last_cpu = (cpu_now() - c0) / steps;
    }
  }
  return best;
}

double forward_tokens_per_s(Transformer& m, int64_t B, int64_t T, int repeats, bool grad) {
  auto ids = torch::randint(m->config().vocab_size, {B, T}, torch::kLong);
  auto t = best_of(repeats, [&] {
    if (grad) {
      auto loss = m->forward(ids).logsumexp(-1).mean();
      loss.backward();
    } else {
      torch::NoGradGuard g;
      m->forward(ids);
    }
  });
  return static_cast<double>(B * T) / t;
}

void set_split(int torch_threads, int blas_threads) {
  at::set_num_threads(torch_threads);
  using SetFn = void (*)(int);
  if (auto fn = reinterpret_cast<SetFn>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) fn(blas_threads);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false, big = true;
  int threads = 0;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--no-big")) big = false;
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: model_bench [--quick] [--no-big] [--threads N]\n");
      return 2;
    }
  }
  const int repeats = quick ? 1 : 3;
  nlohmann::json result;
  std::string desc = set_compute_threads(threads);
  std::printf("threads: %s; load average %s (figures: wall time, with process CPU time in brackets)\n",
              desc.c_str(), loadavg().c_str());
  result["load_average"] = loadavg();
  result["threads"] = desc;

  Transformer m(tiny());
  init_weights(m, 0);
  const int64_t B = 128, prompt = 8, steps = quick ? 16 : 48;

  // Thread splits on the tiny model (LibTorch intra-op threads x OpenBLAS threads).
  std::printf("\ntiny (hidden 128, 4 layers, vocab 32): thread split   decode step B=128   forward B=128 T=56 (no grad)   fwd+bwd\n");
  nlohmann::json splits = nlohmann::json::array();
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  for (int tt : {1, cores}) {
    for (int bt : {1, cores}) {
      set_split(tt, bt);
      double step = decode_step_seconds(m, B, prompt, steps, repeats, true);
      double step_cpu = g_last_cpu;
      double fwd = forward_tokens_per_s(m, B, 56, repeats, false);
      double fb = forward_tokens_per_s(m, B, 56, repeats, true);
      std::printf("  torch %d, openblas %d:  %7.2f ms [cpu %6.2f] (%6.0f tok/s)   %8.0f tok/s   %8.0f tok/s\n", tt,
                  bt, step * 1e3, step_cpu * 1e3, B / step, fwd, fb);
      splits.push_back({{"torch", tt}, {"openblas", bt}, {"decode_step_ms", step * 1e3},
                        {"forward_tok_s", fwd}, {"fwd_bwd_tok_s", fb}});
      if (cores == 1) break;
    }
    if (cores == 1) break;
  }
  result["tiny_thread_splits"] = splits;
  set_compute_threads(threads);

  double step_nograd = decode_step_seconds(m, B, prompt, steps, repeats, false);
  double step_infer = decode_step_seconds(m, B, prompt, steps, repeats, true);
  std::printf("\ntiny decode step, default threads: %.3f ms under NoGradGuard, %.3f ms under InferenceMode "
              "(%.0f tokens/s)\n", step_nograd * 1e3, step_infer * 1e3, B / step_infer);
  for (int64_t b : {1, 16, 64, 128}) {
    double s = decode_step_seconds(m, b, prompt, steps, repeats, true);
    std::printf("  B=%-3lld %.3f ms/step [cpu %.3f] (%.0f tokens/s)\n", static_cast<long long>(b), s * 1e3,
                g_last_cpu * 1e3, b / s);
  }
  result["tiny_decode_step_ms"] = step_infer * 1e3;
  result["tiny_decode_tok_s"] = B / step_infer;
  result["tiny_forward_tok_s"] = forward_tokens_per_s(m, B, 56, repeats, false);
  result["tiny_fwd_bwd_tok_s"] = forward_tokens_per_s(m, B, 56, repeats, true);
  std::printf("tiny forward B=128 T=56: %.0f tokens/s; forward+backward %.0f tokens/s\n",
              result["tiny_forward_tok_s"].get<double>(), result["tiny_fwd_bwd_tok_s"].get<double>());

  if (big) {
    double t0 = now();
    Transformer q(qwen_half_b());
    init_weights(q, 0);
    std::printf("\nQwen2.5-0.5B shape (hidden 896, 24 layers, 14/2 heads, vocab 151936), random weights "
                "(init %.1f s)\n", now() - t0);
    double fwd = forward_tokens_per_s(q, 1, 128, repeats, false);
    double fwd_cpu = g_last_cpu;
    double fwd4 = forward_tokens_per_s(q, 4, 128, quick ? 1 : 2, false);
    double fwd4_cpu = g_last_cpu;
    double step = decode_step_seconds(q, 8, 16, quick ? 4 : 8, 1, true);
    std::printf("  forward B=1 T=128: %.0f tokens/s [cpu %.2f s]; B=4 T=128: %.0f tokens/s [cpu %.2f s]\n"
                "  decode step B=8: %.1f ms [cpu %.1f] (%.1f tokens/s)\n",
                fwd, fwd_cpu, fwd4, fwd4_cpu, step * 1e3, g_last_cpu * 1e3, 8 / step);
    result["half_b_forward_tok_s"] = fwd4;
    result["half_b_decode_step_b8_ms"] = step * 1e3;
  }
  std::printf("%s\n", result.dump().c_str());
  return 0;
}
