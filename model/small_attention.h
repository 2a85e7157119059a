#pragma once
// Attention over the KV cache for a few query rows per sequence (decoding), fused, on CPU float32.
// LibTorch's CPU bmm makes one BLAS call per batch entry when the matrices are small (~1.5 us each,
// 512 calls per layer at B=128): the two attention products then cost more than all projections
// together. These loops do scores, causal mask, softmax and the weighted sum of values in three passes.
#include <torch/torch.h>

#include <cstdint>

namespace zerorl {

// True when small_attention() handles a cache like `cache` with `rows` query rows per kv head:
// CPU, float32, no autograd, at most 16 rows.
bool small_attention_applies(const torch::Tensor& cache, int64_t rows);

// q [B,KV,R,D] with R = T*G rows ordered (t, g) (any strides, last dim contiguous), pre-scaled by
// 1/sqrt(D); keys, values [B,KV,L,D] (views of the cache, last dim contiguous); qpos [B*T]: position of
// each new token, so row (t, g) of sequence b attends to keys 0..qpos[b*T + t]. Returns [B,KV,R,D].
torch::Tensor small_attention(const torch::Tensor& q, const torch::Tensor& keys, const torch::Tensor& values,
                              const int64_t* qpos, int64_t T);

// Write new keys or values [B,T,KV,D] into cache [S,KV,Lmax,D] at rows 0..B-1, positions qpos (CPU
// float32 loop; index_put_ elsewhere).
void write_cache(torch::Tensor& cache, const torch::Tensor& fresh, const int64_t* qpos, const torch::Tensor& rows,
                 const torch::Tensor& pos);

}  // namespace zerorl
