#pragma once
// Plain float32 loops for the fused CPU decode pass (model/fused_decode.cpp): no LibTorch, no allocation,
// safe to call from several threads at once. Built for AVX-512, AVX2 and baseline x86 (the loader picks one).
#include <cstdint>

namespace zerorl::cpu {

// y[M,N] = x[M,K] . w[N,K]^T + beta * y[M,N] (row-major, contiguous). Calls the Fortran BLAS sgemm_ that
// LibTorch links (OpenBLAS here) on the calling thread's BLAS settings; a plain loop when none is loaded.
void gemm_nt(int64_t M, int64_t N, int64_t K, const float* x, const float* w, float* y, float beta);

// out[r] = x[r] / sqrt(mean(x[r]^2) + eps) * w, for `rows` rows of n values (HF LlamaRMSNorm in float32).
// out may be x.
void rms_norm_rows(const float* x, const float* w, float* out, int64_t rows, int64_t n, float eps);

// x[i] = exp(x[i]) for x <= 88 (larger saturates at about 2^127; below -87 gives about 1e-38, not 0).
// Relative error below 3e-7: a Cephes-style polynomial that vectorizes, unlike std::exp.
void exp_inplace(float* x, int64_t n);

// out[r, i] = silu(gu[r, i]) * gu[r, inter + i] for `rows` rows of gu [rows, 2 * inter].
void silu_mul(const float* gu, float* out, int64_t rows, int64_t inter);

// RoPE in the rotate_half convention on one head of D values: x = scale * (x * cos + swap_halves(x) * sin),
// where sin carries rotate_half's sign (model/transformer.cpp's tables).
void rope_head(float* x, const float* cos, const float* sin, int64_t D, float scale);

// Attention of R query rows (each D values, row r at q + r * q_stride, already scaled) over keys and values
// 0..limit[r] (rows of D values, key j at k + j * kv_stride, likewise v); out row r at out + r * out_stride.
// scratch: at least max(limit) + 1 floats.
void attend(const float* q, int64_t q_stride, int64_t R, const float* k, const float* v, int64_t kv_stride, int64_t D,
            const int64_t* limit, float* out, int64_t out_stride, float* scratch);

// Hint the caches to fetch n floats from p (to L2: the next attention block).
inline void prefetch(const float* p, int64_t n) {
  for (int64_t i = 0; i < n; i += 16) __builtin_prefetch(p + i, 0, 2);
}

}  // namespace zerorl::cpu
