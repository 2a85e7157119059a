#include "model/cpu_kernels.h"

#include <dlfcn.h>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace zerorl::cpu {
namespace {

// Built for AVX-512, AVX2 and baseline; the loader picks one per CPU (GCC/Clang function multiversioning).
// (Not "arch=...": those clones are chosen by CPU model name, which virtual CPUs often do not report.)
#define ZERORL_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#define ZERORL_INLINE static inline __attribute__((always_inline))

using SgemmFn = void (*)(const char* transa, const char* transb, const int* m, const int* n, const int* k,
                         const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
                         const float* beta, float* c, const int* ldc);

SgemmFn find_sgemm() {
  static const SgemmFn fn = reinterpret_cast<SgemmFn>(::dlsym(RTLD_DEFAULT, "sgemm_"));
  return fn;
}

// exp(x) = 2^n * exp(r) with n = round(x / ln 2) and |r| <= ln(2)/2; exp(r) by Cephes' expf polynomial.
// Rounding uses the 1.5 * 2^23 trick and 2^n is built from its bits, so the loop has no calls or branches.
ZERORL_INLINE void exp_loop(float* __restrict x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float v = x[i];
    v = v < -87.0f ? -87.0f : v;
    v = v > 88.0f ? 88.0f : v;
    const float t = v * 1.44269504088896341f + 12582912.0f;
    int32_t bits;
    std::memcpy(&bits, &t, sizeof bits);
    const int32_t e = (bits - 0x4B400000 + 127) << 23;  // the rounded n's exponent field
    const float fn = t - 12582912.0f;
    float r = v - fn * 0.693359375f;
    r -= fn * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3333120686e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    const float y = p * (r * r) + r + 1.0f;
    float scale;
    std::memcpy(&scale, &e, sizeof scale);
    x[i] = y * scale;
  }
}

}  // namespace

void gemm_nt(int64_t M, int64_t N, int64_t K, const float* x, const float* w, float* y, float beta) {
  if (M <= 0 || N <= 0) return;
  if (SgemmFn sgemm = find_sgemm()) {
    // Row-major y = x w^T is column-major y^T = w^T x^T: w and x read as K-row column-major matrices.
    const int m = static_cast<int>(N), n = static_cast<int>(M), k = static_cast<int>(K);
    const float alpha = 1.0f;
    sgemm("T", "N", &m, &n, &k, &alpha, w, &k, x, &k, &beta, y, &m);
    return;
  }
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      float s = 0;
      for (int64_t d = 0; d < K; ++d) s += x[i * K + d] * w[j * K + d];
      y[i * N + j] = beta == 0.0f ? s : beta * y[i * N + j] + s;
    }
}

ZERORL_CLONES void rms_norm_rows(const float* x, const float* __restrict w, float* out,
                                 int64_t rows, int64_t n, float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    float* o = out + r * n;
    float ss = 0;
    for (int64_t i = 0; i < n; ++i) ss += xr[i] * xr[i];
    const float inv = 1.0f / std::sqrt(ss / static_cast<float>(n) + eps);
    for (int64_t i = 0; i < n; ++i) o[i] = xr[i] * inv * w[i];
  }
}

ZERORL_CLONES void exp_inplace(float* x, int64_t n) { exp_loop(x, n); }

ZERORL_CLONES void silu_mul(const float* __restrict gu, float* __restrict out, int64_t rows, int64_t inter) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* g = gu + r * 2 * inter;
    const float* u = g + inter;
    float* o = out + r * inter;
    for (int64_t i = 0; i < inter; ++i) o[i] = -g[i];
    exp_loop(o, inter);
    for (int64_t i = 0; i < inter; ++i) o[i] = g[i] / (1.0f + o[i]) * u[i];
  }
}

ZERORL_CLONES void rope_head(float* __restrict x, const float* __restrict cos, const float* __restrict sin, int64_t D,
                             float scale) {
  const int64_t half = D / 2;
  float lo[512];  // head_dim <= 1024 (checked by the caller)
  std::memcpy(lo, x, half * sizeof(float));
  for (int64_t i = 0; i < half; ++i) x[i] = scale * (x[i] * cos[i] + x[i + half] * sin[i]);
  for (int64_t i = half; i < D; ++i) x[i] = scale * (x[i] * cos[i] + lo[i - half] * sin[i]);
}

namespace {

// The portable attention: vectorized by the compiler per clone.
ZERORL_CLONES void attend_generic(const float* __restrict q, int64_t q_stride, int64_t R, const float* __restrict k,
                                  const float* __restrict v, int64_t kv_stride, int64_t D, const int64_t* limit,
                                  float* __restrict out, int64_t out_stride, float* __restrict scratch) {
  for (int64_t r = 0; r < R; ++r) {
    const float* qr = q + r * q_stride;
    const int64_t n = limit[r] + 1;
    float mx = -INFINITY;
    for (int64_t j = 0; j < n; ++j) {
      const float* kj = k + j * kv_stride;
      float s = 0;
      for (int64_t d = 0; d < D; ++d) s += qr[d] * kj[d];
      scratch[j] = s;
      mx = std::max(mx, s);
    }
    for (int64_t j = 0; j < n; ++j) scratch[j] -= mx;
    exp_loop(scratch, n);
    float* o = out + r * out_stride;
    for (int64_t d = 0; d < D; ++d) o[d] = 0;
    float sum = 0;
    for (int64_t j = 0; j < n; ++j) {
      const float p = scratch[j];
      sum += p;
      const float* vj = v + j * kv_stride;
      for (int64_t d = 0; d < D; ++d) o[d] += p * vj[d];
    }
    const float inv = 1.0f / sum;
    for (int64_t d = 0; d < D; ++d) o[d] *= inv;
  }
}

// AVX-512 for head_dim = 16 * NV: the query row and the output row live in NV registers; scores take
// four keys at a time (four independent FMA chains), the weighted sum of values one key per step.
#define ZERORL_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma"), always_inline)) inline
ZERORL_AVX512 float sum_lanes(__m512 a) {  // (GCC 12's _mm512_reduce_add_ps trips -Wmaybe-uninitialized)
  const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(a), _mm512_extractf32x8_ps(a, 1));
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  return _mm_cvtss_f32(_mm_add_ss(x, _mm_movehdup_ps(x)));
}

template <int NV>
ZERORL_AVX512 void attend_row_avx512(const float* q, const float* k, const float* v, int64_t kv_stride, int64_t n,
                                     float* out, float* scratch) {
  __m512 qv[NV];
  for (int i = 0; i < NV; ++i) qv[i] = _mm512_loadu_ps(q + 16 * i);
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const float* k0 = k + j * kv_stride;
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int i = 0; i < NV; ++i) {
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(k0 + 16 * i), qv[i], a0);
      a1 = _mm512_fmadd_ps(_mm512_loadu_ps(k0 + kv_stride + 16 * i), qv[i], a1);
      a2 = _mm512_fmadd_ps(_mm512_loadu_ps(k0 + 2 * kv_stride + 16 * i), qv[i], a2);
      a3 = _mm512_fmadd_ps(_mm512_loadu_ps(k0 + 3 * kv_stride + 16 * i), qv[i], a3);
    }
    scratch[j] = sum_lanes(a0);
    scratch[j + 1] = sum_lanes(a1);
    scratch[j + 2] = sum_lanes(a2);
    scratch[j + 3] = sum_lanes(a3);
  }
  for (; j < n; ++j) {
    __m512 a = _mm512_setzero_ps();
    for (int i = 0; i < NV; ++i) a = _mm512_fmadd_ps(_mm512_loadu_ps(k + j * kv_stride + 16 * i), qv[i], a);
    scratch[j] = sum_lanes(a);
  }
  float mx = scratch[0];
  for (int64_t t = 1; t < n; ++t) mx = std::max(mx, scratch[t]);
  for (int64_t t = 0; t < n; ++t) scratch[t] -= mx;
  exp_inplace(scratch, n);
  __m512 acc[NV];
  for (int i = 0; i < NV; ++i) acc[i] = _mm512_setzero_ps();
  float sum = 0;
  for (int64_t t = 0; t < n; ++t) {
    const __m512 p = _mm512_set1_ps(scratch[t]);
    sum += scratch[t];
    for (int i = 0; i < NV; ++i) acc[i] = _mm512_fmadd_ps(_mm512_loadu_ps(v + t * kv_stride + 16 * i), p, acc[i]);
  }
  const __m512 inv = _mm512_set1_ps(1.0f / sum);
  for (int i = 0; i < NV; ++i) _mm512_storeu_ps(out + 16 * i, _mm512_mul_ps(acc[i], inv));
}

template <int NV>
__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma"))) void attend_avx512(
    const float* q, int64_t q_stride, int64_t R, const float* k, const float* v, int64_t kv_stride,
    const int64_t* limit, float* out, int64_t out_stride, float* scratch) {
  for (int64_t r = 0; r < R; ++r)
    attend_row_avx512<NV>(q + r * q_stride, k, v, kv_stride, limit[r] + 1, out + r * out_stride, scratch);
}

using AttendFn = void (*)(const float*, int64_t, int64_t, const float*, const float*, int64_t, const int64_t*, float*,
                          int64_t, float*);

AttendFn avx512_attend_for(int64_t D) {
  static const bool has_avx512 = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
  }();
  if (!has_avx512 || D % 16 != 0) return nullptr;
  switch (D / 16) {
    case 1: return attend_avx512<1>;
    case 2: return attend_avx512<2>;
    case 4: return attend_avx512<4>;
    case 6: return attend_avx512<6>;
    case 8: return attend_avx512<8>;
    default: return nullptr;
  }
}

}  // namespace

void attend(const float* q, int64_t q_stride, int64_t R, const float* k, const float* v, int64_t kv_stride, int64_t D,
            const int64_t* limit, float* out, int64_t out_stride, float* scratch) {
  if (AttendFn fn = avx512_attend_for(D)) return fn(q, q_stride, R, k, v, kv_stride, limit, out, out_stride, scratch);
  attend_generic(q, q_stride, R, k, v, kv_stride, D, limit, out, out_stride, scratch);
}

}  // namespace zerorl::cpu
