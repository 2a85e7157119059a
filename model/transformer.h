#pragma once
// The decoder-only policy: Llama / Qwen2 / Qwen2.5 / Qwen3 from a ModelConfig (core/config.h).
// RMSNorm, RoPE (rotate_half convention, optional Llama-3 rope_scaling), SwiGLU MLP, grouped-query
// attention, q/k/v bias (Qwen2), per-head q/k RMSNorm (Qwen3), tied or untied embeddings.
//
// Internally q/k/v and gate/up are stored fused (one matmul each: the tiny rollout model is bound by
// per-op overhead). named_parameters() therefore shows `self_attn.qkv_proj.*` and `mlp.gate_up_proj.*`;
// hf_state_dict() / load_hf_state_dict() (model/hf_checkpoint.h) convert to and from the Hugging Face
// names (q_proj, k_proj, v_proj, gate_proj, up_proj), which is what checkpoints hold.
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "core/config.h"

namespace zerorl {

// Keys and values of every layer for up to max_seqs sequences of up to max_len tokens.
// Owned by the rollout engine; rows are slots it assigns to sequences.
struct KVCache {
  std::vector<torch::Tensor> k, v;  // per layer, each [max_seqs, num_key_value_heads, max_len, head_dim]
  static KVCache allocate(const ModelConfig& cfg, int64_t max_seqs, int64_t max_len, torch::Dtype dtype,
                          torch::Device device);
  int64_t bytes() const;
  static int64_t bytes_needed(const ModelConfig& cfg, int64_t max_seqs, int64_t max_len, torch::Dtype dtype);
  int64_t max_seqs() const { return k.empty() ? 0 : k[0].size(0); }
  int64_t max_len() const { return k.empty() ? 0 : k[0].size(2); }
};

// Weights of one block, as aliases of the registered parameters (Module::to keeps them valid: it
// replaces parameter data in place with set_data).
struct BlockWeights {
  torch::Tensor input_norm;      // [hidden]
  torch::Tensor qkv_w, qkv_b;    // [(H + 2*KV) * head_dim, hidden], bias [(H + 2*KV) * head_dim] or undefined
  torch::Tensor q_norm, k_norm;  // [head_dim] (Qwen3) or undefined
  torch::Tensor o_w, o_b;        // [hidden, H * head_dim], bias or undefined
  torch::Tensor post_norm;       // [hidden]
  torch::Tensor gate_up_w;       // [2 * intermediate, hidden] (gate rows first)
  torch::Tensor down_w;          // [hidden, intermediate]
};

class TransformerImpl : public torch::nn::Module {
 public:
  explicit TransformerImpl(const ModelConfig& cfg);  // parameters zero (norms one); see init_weights

  // Training / scoring. ids [B,T] int64; attention_mask [B,T] (1 real, 0 pad; RIGHT padding) or undefined
  // (all real). Returns logits [B,T,V] float32. Logits at pad positions are computed but meaningless.
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& attention_mask = {});

  // Incremental decoding over rows 0..B-1 of the cache, without autograd. ids [B,T] new tokens; start [B]
  // int64 CPU tensor: tokens already cached per row (new tokens take positions start..start+T-1; rows may
  // differ). Writes K/V and returns logits [B,T,V] float32. Keys past a row's own position are masked, so
  // rows of different lengths batch together and right-padded prefill works (pad slots are overwritten by
  // the next call, which passes each row's true length as its start). The cache must have the model's
  // dtype and device.
  // On the CPU in float32 this runs a fused pass (model/fused_decode.cpp) that splits the rows over
  // row_threads() threads (model/threads.h); elsewhere it runs the LibTorch ops of forward().
  torch::Tensor forward_cached(const torch::Tensor& ids, const torch::Tensor& start, KVCache& cache);

  // Off: forward_cached always takes the LibTorch path (tests compare the two; on by default).
  void set_fused_cpu_decode(bool on) { fused_cpu_ = on; }

  const ModelConfig& config() const { return cfg_; }
  const std::vector<BlockWeights>& blocks() const { return blocks_; }
  const torch::Tensor& embed_weight() const { return embed_; }
  const torch::Tensor& final_norm_weight() const { return final_norm_; }
  const torch::Tensor& lm_head_weight() const { return lm_head_; }  // == embed_weight() when tied

 private:
  struct Pass;  // per-call data shared by all layers (positions, RoPE rows, mask)
  torch::Tensor run(const torch::Tensor& ids, const Pass& pass, KVCache* cache);
  torch::Tensor attention(const BlockWeights& w, const torch::Tensor& x, const Pass& pass, KVCache* cache,
                          size_t layer);
  void ensure_rope(int64_t needed_len, const torch::Tensor& like);
  // The RoPE tables (cos, sin) covering needed_len positions, built or grown under a lock.
  std::pair<torch::Tensor, torch::Tensor> rope_tables(int64_t needed_len);
  bool fused_applies(const KVCache& cache, const torch::Tensor& cos, const torch::Tensor& sin) const;
  // qpos [B*T]: the position of each new token.
  torch::Tensor forward_cached_fused(const torch::Tensor& ids, const int64_t* qpos, KVCache& cache,
                                     const torch::Tensor& cos, const torch::Tensor& sin);

  ModelConfig cfg_;
  int64_t heads_, kv_heads_, head_dim_, groups_;
  std::vector<BlockWeights> blocks_;
  torch::Tensor embed_, final_norm_, lm_head_;
  torch::Tensor rope_cos_, rope_sin_;  // [len, head_dim] in the parameter dtype/device; sin sign-folded
  bool fused_cpu_ = true;
  std::shared_ptr<std::mutex> rope_mutex_ = std::make_shared<std::mutex>();
};
TORCH_MODULE(Transformer);

// Fill every parameter deterministically: normal(0, initializer_range) for projections and embeddings,
// 1 for norms, 0 for biases. Drawn on the CPU from `seed`, so every device gets the same weights.
void init_weights(Transformer& model, uint64_t seed);

// A deep copy (same config, dtype and device as the source's parameters), e.g. the frozen reference model.
Transformer clone_transformer(const Transformer& model);

// The inverse frequencies of RoPE (head_dim / 2 values, float32), with Llama-3 scaling when configured.
torch::Tensor rope_inv_freq(const ModelConfig& cfg);

// Parse "float32" / "bfloat16" (also "float16") and "cpu" / "cuda" / "cuda:N"; InputError otherwise.
torch::Dtype parse_dtype(const std::string& name);
torch::Device parse_device(const std::string& name);

}  // namespace zerorl
