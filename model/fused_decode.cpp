// The fused CPU float32 pass of TransformerImpl::forward_cached (declared in model/transformer.h).
//
// Why: decoding a tiny model is bound by per-op overhead, not arithmetic. The LibTorch path dispatches
// ~25 ops per layer per step, each a few microseconds, and splits each matmul over OpenBLAS's threads (on 2
// cores a 128 x 128 x 384 sgemm gains 15% from the second thread). Here every sequence's rows are
// independent through the whole pass, so the batch is cut into one chunk per thread and each thread runs
// all layers on its chunk with plain loops (model/cpu_kernels.h) and single-threaded sgemm calls: one
// hand-off per pass, no allocation, no dispatch.
#include <ATen/Parallel.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "model/cpu_kernels.h"
#include "model/thread_pool.h"
#include "model/threads.h"
#include "model/transformer.h"

namespace zerorl {
namespace {

constexpr int64_t kMaxHeadDim = 1024;  // cpu::rope_head's buffer

const float* ptr(const torch::Tensor& t) { return t.defined() ? t.data_ptr<float>() : nullptr; }

bool plain_float(const torch::Tensor& t) {
  return !t.defined() || (t.device().is_cpu() && t.scalar_type() == torch::kFloat && t.is_contiguous());
}

struct LayerPtrs {
  const float *input_norm, *qkv_w, *qkv_b, *q_norm, *k_norm, *o_w, *o_b, *post_norm, *gate_up_w, *down_w;
  float *k_cache, *v_cache;  // [rows, KV, Lmax, D], row 0 = the first row of this call
};

// Adds bias [n] to each of `rows` rows of x [rows, n].
void add_rows(float* x, const float* bias, int64_t rows, int64_t n) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < n; ++i) x[r * n + i] += bias[i];
}

}  // namespace

bool TransformerImpl::fused_applies(const KVCache& cache, const torch::Tensor& cos, const torch::Tensor& sin) const {
  if (!fused_cpu_ || head_dim_ > kMaxHeadDim) return false;
  for (const auto& p : parameters())
    if (!plain_float(p)) return false;
  for (size_t l = 0; l < cache.k.size(); ++l)
    if (!plain_float(cache.k[l]) || !plain_float(cache.v[l])) return false;
  return plain_float(cos) && plain_float(sin);
}

torch::Tensor TransformerImpl::forward_cached_fused(const torch::Tensor& ids_in, const int64_t* qpos, KVCache& cache,
                                                   const torch::Tensor& cos, const torch::Tensor& sin) {
  const int64_t B = ids_in.size(0), T = ids_in.size(1);
  const int64_t hidden = cfg_.hidden_size, inter = cfg_.intermediate_size, V = cfg_.vocab_size;
  const int64_t H = heads_, KV = kv_heads_, D = head_dim_, G = groups_;
  const int64_t qkv_n = (H + 2 * KV) * D, attn_n = H * D, Lmax = cache.max_len();
  const float eps = static_cast<float>(cfg_.rms_norm_eps), q_scale = 1.0f / std::sqrt(static_cast<float>(D));
  auto ids_t = ids_in.to(torch::kCPU, torch::kLong).contiguous();
  const int64_t* ids = ids_t.data_ptr<int64_t>();
  for (int64_t i = 0; i < B * T; ++i)
    TORCH_CHECK(ids[i] >= 0 && ids[i] < V, "forward_cached: token id ", ids[i], " out of range [0, ", V, ")");

  std::vector<LayerPtrs> layers(blocks_.size());
  for (size_t l = 0; l < blocks_.size(); ++l) {
    const auto& w = blocks_[l];
    layers[l] = {ptr(w.input_norm), ptr(w.qkv_w),     ptr(w.qkv_b),  ptr(w.q_norm),
                 ptr(w.k_norm),     ptr(w.o_w),       ptr(w.o_b),    ptr(w.post_norm),
                 ptr(w.gate_up_w),  ptr(w.down_w),    cache.k[l].data_ptr<float>(), cache.v[l].data_ptr<float>()};
  }
  const float *embed = ptr(embed_), *final_norm = ptr(final_norm_), *lm_head = ptr(lm_head_);
  const float *cos_table = ptr(cos), *sin_table = ptr(sin);
  auto logits = torch::empty({B, T, V}, torch::kFloat);
  float* logits_out = logits.data_ptr<float>();

  const int chunks = static_cast<int>(std::min<int64_t>(B, row_threads()));
  SingleThreadedBlas one_blas_thread(chunks > 1);
  run_chunks(chunks, [&](int c) {
    const int64_t b0 = B * c / chunks, b1 = B * (c + 1) / chunks, M = (b1 - b0) * T;
    thread_local std::vector<float> buffer;
    const int64_t need = M * (2 * hidden + qkv_n + attn_n + 3 * inter) + Lmax + G;
    if (static_cast<int64_t>(buffer.size()) < need) buffer.resize(need);
    float* x = buffer.data();          // [M, hidden] the residual stream
    float* h = x + M * hidden;         // [M, hidden] normed input of a sublayer
    float* qkv = h + M * hidden;       // [M, qkv_n]
    float* attn = qkv + M * qkv_n;     // [M, attn_n]
    float* gu = attn + M * attn_n;     // [M, 2 * inter]
    float* act = gu + M * 2 * inter;   // [M, inter]
    float* scratch = act + M * inter;  // [Lmax] attention weights
    std::vector<int64_t> limits(G);

    for (int64_t m = 0; m < M; ++m) std::memcpy(x + m * hidden, embed + ids[b0 * T + m] * hidden, hidden * sizeof(float));
    for (const auto& w : layers) {
      cpu::rms_norm_rows(x, w.input_norm, h, M, hidden, eps);
      if (w.qkv_b) {
        for (int64_t m = 0; m < M; ++m) std::memcpy(qkv + m * qkv_n, w.qkv_b, qkv_n * sizeof(float));
      }
      cpu::gemm_nt(M, qkv_n, hidden, h, w.qkv_w, qkv, w.qkv_b ? 1.0f : 0.0f);
      for (int64_t m = 0; m < M; ++m) {  // q/k norm (Qwen3), RoPE, then K and V into the cache
        const int64_t b = b0 + m / T, pos = qpos[b0 * T + m];
        float* row = qkv + m * qkv_n;
        for (int64_t head = 0; head < H + KV; ++head) {
          float* v = row + head * D;
          if (w.q_norm) cpu::rms_norm_rows(v, head < H ? w.q_norm : w.k_norm, v, 1, D, eps);
          cpu::rope_head(v, cos_table + pos * D, sin_table + pos * D, D, head < H ? q_scale : 1.0f);
        }
        for (int64_t kv = 0; kv < KV; ++kv) {
          const int64_t at = ((b * KV + kv) * Lmax + pos) * D;
          std::memcpy(w.k_cache + at, row + (H + kv) * D, D * sizeof(float));
          std::memcpy(w.v_cache + at, row + (H + KV + kv) * D, D * sizeof(float));
        }
      }
      for (int64_t m = 0; m < M; ++m) {  // each token attends to its row's keys up to its own position
        const int64_t b = b0 + m / T;
        std::fill(limits.begin(), limits.end(), qpos[b0 * T + m]);
        for (int64_t kv = 0; kv < KV; ++kv) {
          // The cache streams from L3 or memory; blocks of a few KiB are too short for the hardware
          // prefetcher, so ask for the next block's keys and values while this one is computed.
          const int64_t next = m * KV + kv + 1;
          if (next < M * KV) {
            const int64_t nm = next / KV, nb = b0 + nm / T;
            const int64_t nat = (nb * KV + next % KV) * Lmax * D;
            cpu::prefetch(w.k_cache + nat, (qpos[b0 * T + nm] + 1) * D);
            cpu::prefetch(w.v_cache + nat, (qpos[b0 * T + nm] + 1) * D);
          }
          const int64_t at = (b * KV + kv) * Lmax * D;
          cpu::attend(qkv + m * qkv_n + kv * G * D, D, G, w.k_cache + at, w.v_cache + at, D, D, limits.data(),
                      attn + m * attn_n + kv * G * D, D, scratch);
        }
      }
      if (w.o_b) add_rows(x, w.o_b, M, hidden);
      cpu::gemm_nt(M, hidden, attn_n, attn, w.o_w, x, 1.0f);
      cpu::rms_norm_rows(x, w.post_norm, h, M, hidden, eps);
      cpu::gemm_nt(M, 2 * inter, hidden, h, w.gate_up_w, gu, 0.0f);
      cpu::silu_mul(gu, act, M, inter);
      cpu::gemm_nt(M, hidden, inter, act, w.down_w, x, 1.0f);
    }
    cpu::rms_norm_rows(x, final_norm, h, M, hidden, eps);
    cpu::gemm_nt(M, V, hidden, h, lm_head, logits_out + b0 * T * V, 0.0f);
  });
  return logits;
}

}  // namespace zerorl
