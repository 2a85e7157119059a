#include "model/small_attention.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <cstring>

namespace zerorl {
namespace {

constexpr int64_t kMaxRows = 16;  // beyond this, batched BLAS calls amortise their overhead

// Built for AVX-512, AVX2 and baseline; the loader picks one per CPU (GCC/Clang function multiversioning).
#define ZERORL_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

// scores[row, j] = q_row . k_j for j <= limit, then minus the row max; -inf past the limit.
ZERORL_CLONES void scores_pass(const float* __restrict q, int64_t q_stride_r, const float* __restrict k,
                               int64_t k_stride_l, float* __restrict out, int64_t R, int64_t L, int64_t D,
                               const int64_t* limits) {
  for (int64_t r = 0; r < R; ++r) {
    const float* qr = q + r * q_stride_r;
    float* o = out + r * L;
    const int64_t n = std::min(limits[r] + 1, L);
    float mx = -INFINITY;
    for (int64_t j = 0; j < n; ++j) {
      const float* kj = k + j * k_stride_l;
      float s[16] = {};  // independent partial sums: vectorizes without reassociating one sum
      int64_t d = 0;
      for (; d + 16 <= D; d += 16)
        for (int i = 0; i < 16; ++i) s[i] += qr[d + i] * kj[d + i];
      float tail = 0;
      for (; d < D; ++d) tail += qr[d] * kj[d];
      for (int w = 8; w >= 1; w /= 2)  // pairwise halving: vector shuffles, not a 16-add dependency chain
        for (int i = 0; i < w; ++i) s[i] += s[i + w];
      const float t = s[0] + tail;
      o[j] = t;
      mx = std::max(mx, t);
    }
    for (int64_t j = 0; j < n; ++j) o[j] -= mx;
    for (int64_t j = n; j < L; ++j) o[j] = -INFINITY;
  }
}

// out[row] = sum_j p[row, j] v_j / sum_j p[row, j] over j <= limit (p = exp(scores), zero past the limit).
ZERORL_CLONES void values_pass(const float* __restrict p, const float* __restrict v, int64_t v_stride_l,
                               float* __restrict out, int64_t R, int64_t L, int64_t D, const int64_t* limits) {
  for (int64_t r = 0; r < R; ++r) {
    const float* pr = p + r * L;
    float* o = out + r * D;
    const int64_t n = std::min(limits[r] + 1, L);
    for (int64_t d = 0; d < D; ++d) o[d] = 0;
    float sum = 0;
    for (int64_t j = 0; j < n; ++j) {
      const float w = pr[j];
      sum += w;
      const float* vj = v + j * v_stride_l;
      for (int64_t d = 0; d < D; ++d) o[d] += w * vj[d];
    }
    const float inv = 1.0f / sum;
    for (int64_t d = 0; d < D; ++d) o[d] *= inv;
  }
}

}  // namespace

bool small_attention_applies(const torch::Tensor& cache, int64_t rows) {
  return cache.device().is_cpu() && cache.scalar_type() == torch::kFloat && rows <= kMaxRows &&
         !torch::GradMode::is_enabled();
}

torch::Tensor small_attention(const torch::Tensor& q, const torch::Tensor& keys, const torch::Tensor& values,
                              const int64_t* qpos, int64_t T) {
  const int64_t B = q.size(0), KV = q.size(1), R = q.size(2), D = q.size(3), L = keys.size(2), G = R / T;
  TORCH_CHECK(q.stride(3) == 1 && keys.stride(3) == 1 && values.stride(3) == 1 && q.scalar_type() == torch::kFloat &&
                  keys.scalar_type() == torch::kFloat && values.scalar_type() == torch::kFloat && R % T == 0,
              "small_attention: float32 tensors with a contiguous last dim expected");
  auto scores = torch::empty({B, KV, R, L}, q.options());
  auto out = torch::empty({B, KV, R, D}, q.options());
  const float *qp = q.data_ptr<float>(), *kp = keys.data_ptr<float>(), *vp = values.data_ptr<float>();
  float *sp = scores.data_ptr<float>(), *op = out.data_ptr<float>();
  // Per-row key limits: row (t, g) of sequence b sees keys 0..qpos[b*T + t].
  std::vector<int64_t> limits(B * R);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t r = 0; r < R; ++r) limits[b * R + r] = qpos[b * T + r / G];
  at::parallel_for(0, B * KV, 8, [&](int64_t begin, int64_t end) {
    for (int64_t bk = begin; bk < end; ++bk) {
      const int64_t b = bk / KV, h = bk % KV;
      scores_pass(qp + b * q.stride(0) + h * q.stride(1), q.stride(2), kp + b * keys.stride(0) + h * keys.stride(1),
                  keys.stride(2), sp + bk * R * L, R, L, D, limits.data() + b * R);
    }
  });
  scores.exp_();  // ATen's vectorized exp; -inf past the limits becomes exactly 0
  at::parallel_for(0, B * KV, 8, [&](int64_t begin, int64_t end) {
    for (int64_t bk = begin; bk < end; ++bk) {
      const int64_t b = bk / KV, h = bk % KV;
      values_pass(sp + bk * R * L, vp + b * values.stride(0) + h * values.stride(1), values.stride(2),
                  op + bk * R * D, R, L, D, limits.data() + b * R);
    }
  });
  return out;
}

void write_cache(torch::Tensor& cache, const torch::Tensor& fresh, const int64_t* qpos, const torch::Tensor& rows,
                 const torch::Tensor& pos) {
  if (!(cache.device().is_cpu() && cache.scalar_type() == fresh.scalar_type() && cache.is_contiguous() &&
        fresh.stride(3) == 1)) {
    cache.index_put_({rows, torch::indexing::Slice(), pos}, fresh);
    return;
  }
  const int64_t B = fresh.size(0), T = fresh.size(1), KV = fresh.size(2), D = fresh.size(3);
  const int64_t Lmax = cache.size(2), elem = cache.element_size();
  auto* dst = static_cast<char*>(cache.data_ptr());
  const auto* src = static_cast<const char*>(fresh.data_ptr());
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t)
      for (int64_t h = 0; h < KV; ++h)
        std::memcpy(dst + (((b * KV + h) * Lmax + qpos[b * T + t]) * D) * elem,
                    src + (b * fresh.stride(0) + t * fresh.stride(1) + h * fresh.stride(2)) * elem, D * elem);
}

}  // namespace zerorl
