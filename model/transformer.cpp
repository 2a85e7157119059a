#include "model/transformer.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <string>

#include "core/error.h"
#include "model/threads.h"

namespace zerorl {
namespace {

// Finite, so that a fully masked query row (an all-pad sequence) gets uniform weights rather than NaN.
constexpr double kMaskValue = -1e30;

// Register `t` as a parameter at a dotted path below root, creating empty child modules on the way,
// so that named_parameters() spells Hugging Face's names ("model.layers.0.input_layernorm.weight").
torch::Tensor register_at(torch::nn::Module& root, const std::string& path, const torch::Tensor& t) {
  torch::nn::Module* m = &root;
  size_t begin = 0;
  for (size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', begin)) {
    std::string part = path.substr(begin, dot - begin);
    begin = dot + 1;
    auto children = m->named_children();
    if (auto* found = children.find(part)) {
      m = found->get();
    } else {
      m = m->register_module(part, std::make_shared<torch::nn::Module>(part)).get();
    }
  }
  return m->register_parameter(path.substr(begin), t);
}

// HF LlamaRMSNorm: computed in float32, weight applied after casting back.
torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& w, double eps) {
  if (x.scalar_type() == torch::kFloat) {
    auto inv = x.pow(2).mean(-1, true).add_(eps).rsqrt_();
    return x * inv * w;
  }
  auto xf = x.to(torch::kFloat);
  auto inv = xf.pow(2).mean(-1, true).add_(eps).rsqrt_();
  return w * (xf * inv).to(x.scalar_type());
}

torch::Tensor linear2d(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  return b.defined() ? at::addmm(b, x, w.t()) : at::mm(x, w.t());
}

void check_config(const ModelConfig& c) {
  auto bad = [](const std::string& what) { throw InputError("model config: " + what); };
  if (c.model_type != "llama" && c.model_type != "qwen2" && c.model_type != "qwen3")
    bad("model_type '" + c.model_type + "' is not one of llama, qwen2, qwen3");
  if (c.num_attention_heads <= 0 || c.num_key_value_heads <= 0 || c.hidden_size <= 0 ||
      c.num_hidden_layers <= 0 || c.intermediate_size <= 0 || c.vocab_size <= 0)
    bad("sizes must be positive");
  if (c.num_attention_heads % c.num_key_value_heads != 0)
    bad("num_attention_heads " + std::to_string(c.num_attention_heads) +
        " is not a multiple of num_key_value_heads " + std::to_string(c.num_key_value_heads));
  if (c.head_dim == 0 && c.hidden_size % c.num_attention_heads != 0)
    bad("hidden_size " + std::to_string(c.hidden_size) + " is not a multiple of num_attention_heads " +
        std::to_string(c.num_attention_heads) + " (set head_dim)");
  if (head_dim(c) % 2 != 0) bad("head_dim " + std::to_string(head_dim(c)) + " must be even for RoPE");
}

}  // namespace

torch::Dtype parse_dtype(const std::string& name) {
  if (name == "float32" || name == "fp32") return torch::kFloat;
  if (name == "bfloat16" || name == "bf16") return torch::kBFloat16;
  if (name == "float16" || name == "fp16") return torch::kHalf;
  throw InputError("unknown dtype '" + name + "' (expected float32 or bfloat16)");
}

torch::Device parse_device(const std::string& name) {
  try {
    return torch::Device(name);
  } catch (const c10::Error&) {
    throw InputError("unknown device '" + name + "' (expected cpu, cuda or cuda:N)");
  }
}

// ---- KV cache ----

KVCache KVCache::allocate(const ModelConfig& cfg, int64_t max_seqs, int64_t max_len, torch::Dtype dtype,
                          torch::Device device) {
  TORCH_CHECK(max_seqs > 0 && max_len > 0, "KVCache::allocate: max_seqs and max_len must be positive");
  KVCache c;
  // Zeros, not empty: masked slots get probability exactly 0, and 0 * NaN garbage would still be NaN.
  auto opts = torch::TensorOptions().dtype(dtype).device(device);
  for (int64_t l = 0; l < cfg.num_hidden_layers; ++l) {
    c.k.push_back(torch::zeros({max_seqs, cfg.num_key_value_heads, max_len, head_dim(cfg)}, opts));
    c.v.push_back(torch::zeros({max_seqs, cfg.num_key_value_heads, max_len, head_dim(cfg)}, opts));
  }
  return c;
}

int64_t KVCache::bytes() const {
  int64_t total = 0;
  for (auto& t : k) total += t.numel() * static_cast<int64_t>(t.element_size());
  for (auto& t : v) total += t.numel() * static_cast<int64_t>(t.element_size());
  return total;
}

int64_t KVCache::bytes_needed(const ModelConfig& cfg, int64_t max_seqs, int64_t max_len, torch::Dtype dtype) {
  return 2 * cfg.num_hidden_layers * max_seqs * cfg.num_key_value_heads * max_len * head_dim(cfg) *
         static_cast<int64_t>(c10::elementSize(dtype));
}

// ---- RoPE ----

torch::Tensor rope_inv_freq(const ModelConfig& cfg) {
  const int64_t dim = head_dim(cfg);
  // Same float32 arithmetic as HF's _compute_default_rope_parameters.
  auto inv = 1.0 / torch::pow(cfg.rope_theta, torch::arange(0, dim, 2, torch::kLong).to(torch::kFloat) / dim);
  if (cfg.rope_scaling_type == "linear") return inv / cfg.rope_scaling_factor;
  if (cfg.rope_scaling_type != "llama3") return inv;
  // HF _compute_llama3_parameters.
  const double factor = cfg.rope_scaling_factor, low = cfg.rope_scaling_low_freq_factor,
               high = cfg.rope_scaling_high_freq_factor;
  const double old_len = static_cast<double>(cfg.rope_scaling_original_max_position_embeddings);
  const double low_wavelen = old_len / low, high_wavelen = old_len / high;
  auto wavelen = 2 * M_PI / inv;
  auto scaled = torch::where(wavelen > low_wavelen, inv / factor, inv);
  auto smooth = (old_len / wavelen - low) / (high - low);
  auto smoothed = (1 - smooth) * scaled / factor + smooth * scaled;
  auto medium = (wavelen >= high_wavelen).logical_and(wavelen <= low_wavelen);
  return torch::where(medium, smoothed, scaled);
}

std::pair<torch::Tensor, torch::Tensor> TransformerImpl::rope_tables(int64_t needed_len) {
  std::lock_guard<std::mutex> lock(*rope_mutex_);  // forward may run on several threads (trainer/update.h)
  ensure_rope(needed_len, embed_);
  return {rope_cos_, rope_sin_};
}

void TransformerImpl::ensure_rope(int64_t needed_len, const torch::Tensor& like) {
  if (rope_cos_.defined() && rope_cos_.size(0) >= needed_len && rope_cos_.device() == like.device() &&
      rope_cos_.scalar_type() == like.scalar_type())
    return;
  int64_t len = std::max(needed_len, cfg_.max_position_embeddings);
  if (rope_cos_.defined()) len = std::max(len, rope_cos_.size(0));
  torch::NoGradGuard no_grad;
  auto inv = rope_inv_freq(cfg_);                                        // [hd/2]
  auto freqs = torch::outer(torch::arange(len, torch::kLong).to(torch::kFloat), inv);  // [len, hd/2]
  auto cos = freqs.cos(), sin = freqs.sin();
  rope_cos_ = torch::cat({cos, cos}, 1).to(like.options());
  // rotate_half(x) = cat(-x2, x1): we rotate with cat(x2, x1) and fold the sign into sin.
  rope_sin_ = torch::cat({-sin, sin}, 1).to(like.options());
}

// ---- the module ----

struct TransformerImpl::Pass {
  int64_t B = 0, T = 0, L = 0;   // batch, new tokens per row, keys attended
  torch::Tensor cos, sin;        // [B,T,H+KV,hd]: RoPE rows for q and k; q rows carry 1/sqrt(hd)
  torch::Tensor mask;            // additive [B,1,T,1,L]
  torch::Tensor rows, pos;       // [B,T] cache slots written (cached pass only)
};

TransformerImpl::TransformerImpl(const ModelConfig& cfg) : cfg_(cfg) {
  check_config(cfg_);
  ensure_fast_blas();
  heads_ = cfg_.num_attention_heads;
  kv_heads_ = cfg_.num_key_value_heads;
  head_dim_ = head_dim(cfg_);
  groups_ = heads_ / kv_heads_;
  const int64_t hidden = cfg_.hidden_size, inter = cfg_.intermediate_size;
  const bool qwen2 = cfg_.model_type == "qwen2";
  const bool qkv_bias = qwen2 || cfg_.attention_bias;  // Qwen2 always has q/k/v bias
  const bool o_bias = !qwen2 && cfg_.attention_bias;   // Llama/Qwen3 attention_bias covers o_proj too
  auto opts = torch::TensorOptions().dtype(parse_dtype(cfg_.dtype)).device(parse_device(cfg_.device));
  auto zeros = [&](std::vector<int64_t> shape) { return torch::zeros(shape, opts); };
  auto ones = [&](std::vector<int64_t> shape) { return torch::ones(shape, opts); };

  embed_ = register_at(*this, "model.embed_tokens.weight", zeros({cfg_.vocab_size, hidden}));
  const int64_t qkv_rows = (heads_ + 2 * kv_heads_) * head_dim_;
  for (int64_t l = 0; l < cfg_.num_hidden_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    BlockWeights w;
    w.input_norm = register_at(*this, p + "input_layernorm.weight", ones({hidden}));
    w.qkv_w = register_at(*this, p + "self_attn.qkv_proj.weight", zeros({qkv_rows, hidden}));
    if (qkv_bias) w.qkv_b = register_at(*this, p + "self_attn.qkv_proj.bias", zeros({qkv_rows}));
    if (cfg_.model_type == "qwen3") {
      w.q_norm = register_at(*this, p + "self_attn.q_norm.weight", ones({head_dim_}));
      w.k_norm = register_at(*this, p + "self_attn.k_norm.weight", ones({head_dim_}));
    }
    w.o_w = register_at(*this, p + "self_attn.o_proj.weight", zeros({hidden, heads_ * head_dim_}));
    if (o_bias) w.o_b = register_at(*this, p + "self_attn.o_proj.bias", zeros({hidden}));
    w.post_norm = register_at(*this, p + "post_attention_layernorm.weight", ones({hidden}));
    w.gate_up_w = register_at(*this, p + "mlp.gate_up_proj.weight", zeros({2 * inter, hidden}));
    w.down_w = register_at(*this, p + "mlp.down_proj.weight", zeros({hidden, inter}));
    blocks_.push_back(w);
  }
  final_norm_ = register_at(*this, "model.norm.weight", ones({hidden}));
  lm_head_ = cfg_.tie_word_embeddings ? embed_ : register_at(*this, "lm_head.weight", zeros({cfg_.vocab_size, hidden}));
}

torch::Tensor TransformerImpl::attention(const BlockWeights& w, const torch::Tensor& x, const Pass& p,
                                         KVCache* cache, size_t layer) {
  const int64_t B = p.B, T = p.T, H = heads_, KV = kv_heads_, G = groups_, D = head_dim_, half = D / 2;
  auto qkv = linear2d(x, w.qkv_w, w.qkv_b).view({B, T, H + 2 * KV, D});
  auto qk = qkv.narrow(2, 0, H + KV);
  if (w.q_norm.defined()) {  // Qwen3: RMSNorm over head_dim of each q and k head, before RoPE
    auto wqk = torch::cat({w.q_norm.expand({H, D}), w.k_norm.expand({KV, D})});
    qk = rms_norm(qk, wqk, cfg_.rms_norm_eps);
  }
  auto rot = torch::cat({qk.narrow(3, half, half), qk.narrow(3, 0, half)}, 3);
  qk = qk * p.cos;
  qk.addcmul_(rot, p.sin);  // [B,T,H+KV,D], q rows already scaled by 1/sqrt(D)
  auto k_new = qk.narrow(2, H, KV), v_new = qkv.narrow(2, H + KV, KV);  // [B,T,KV,D]
  torch::Tensor keys, values;                                            // [B,KV,L,D]
  if (cache) {
    using torch::indexing::Slice;
    cache->k[layer].index_put_({p.rows, Slice(), p.pos}, k_new);
    cache->v[layer].index_put_({p.rows, Slice(), p.pos}, v_new);
    keys = cache->k[layer].narrow(0, 0, B).narrow(2, 0, p.L);
    values = cache->v[layer].narrow(0, 0, B).narrow(2, 0, p.L);
  } else {
    keys = k_new.permute({0, 2, 1, 3});
    values = v_new.permute({0, 2, 1, 3});
  }
  // Query rows ordered (t, g) inside each kv head, so the [B,1,T,1,L] mask broadcasts over heads.
  auto q = qk.narrow(2, 0, H).reshape({B, T, KV, G, D}).permute({0, 2, 1, 3, 4}).reshape({B, KV, T * G, D});
  auto scores = torch::matmul(q, keys.transpose(2, 3));  // [B,KV,T*G,L]
  scores.view({B, KV, T, G, p.L}).add_(p.mask);
  auto probs = scores.scalar_type() == torch::kFloat
                   ? torch::softmax(scores, -1)
                   : torch::softmax(scores, -1, torch::kFloat).to(scores.scalar_type());
  auto out = torch::matmul(probs, values);  // [B,KV,T*G,D]
  return out.view({B, KV, T, G, D}).permute({0, 2, 1, 3, 4}).reshape({B * T, H * D});
}

torch::Tensor TransformerImpl::run(const torch::Tensor& ids, const Pass& p, KVCache* cache) {
  const int64_t inter = cfg_.intermediate_size;
  const double eps = cfg_.rms_norm_eps;
  const bool grad = torch::GradMode::is_enabled();
  auto x = torch::embedding(embed_, ids.reshape({-1}));  // [N, hidden]
  for (size_t l = 0; l < blocks_.size(); ++l) {
    const auto& w = blocks_[l];
    auto a = attention(w, rms_norm(x, w.input_norm, eps), p, cache, l);
    if (w.o_b.defined()) x = x + w.o_b;
    x = at::addmm(x, a, w.o_w.t());  // residual + o_proj in one op
    auto gu = at::mm(rms_norm(x, w.post_norm, eps), w.gate_up_w.t());
    auto gate = gu.narrow(1, 0, inter);
    auto act = grad ? torch::silu(gate) : torch::silu_(gate);
    x = at::addmm(x, act * gu.narrow(1, inter, inter), w.down_w.t());
  }
  auto logits = at::mm(rms_norm(x, final_norm_, eps), lm_head_.t()).view({p.B, p.T, cfg_.vocab_size});
  return logits.scalar_type() == torch::kFloat ? logits : logits.to(torch::kFloat);
}

namespace {
// cos/sin rows for positions qpos [B,T] (device), q rows scaled by 1/sqrt(head_dim).
void rope_rows(const torch::Tensor& cos_table, const torch::Tensor& sin_table, const torch::Tensor& qpos,
               int64_t heads, int64_t kv_heads, int64_t head_dim, torch::Tensor& cos, torch::Tensor& sin) {
  const int64_t B = qpos.size(0), T = qpos.size(1);
  auto scale = torch::ones({heads + kv_heads, 1}, torch::kFloat);
  scale.narrow(0, 0, heads).fill_(1.0 / std::sqrt(static_cast<double>(head_dim)));
  scale = scale.to(cos_table.options());
  auto flat = qpos.reshape({-1});
  cos = cos_table.index_select(0, flat).view({B, T, 1, head_dim}) * scale;
  sin = sin_table.index_select(0, flat).view({B, T, 1, head_dim}) * scale;
}
}  // namespace

torch::Tensor TransformerImpl::forward(const torch::Tensor& ids, const torch::Tensor& attention_mask) {
  TORCH_CHECK(ids.dim() == 2, "Transformer::forward: ids must be [B,T], got ", ids.sizes());
  const auto dev = embed_.device();
  Pass p;
  p.B = ids.size(0);
  p.T = p.L = ids.size(1);
  const auto [cos_table, sin_table] = rope_tables(p.T);
  auto pos = torch::arange(p.T, torch::TensorOptions().dtype(torch::kLong).device(dev));
  rope_rows(cos_table, sin_table, pos.view({1, p.T}).expand({p.B, p.T}), heads_, kv_heads_, head_dim_, p.cos,
            p.sin);
  auto allowed = pos.view({1, 1, p.T}) <= pos.view({1, p.T, 1});  // [1,T(q),L(k)] causal
  if (attention_mask.defined()) {
    TORCH_CHECK(attention_mask.sizes() == ids.sizes(), "Transformer::forward: attention_mask ",
                attention_mask.sizes(), " does not match ids ", ids.sizes());
    allowed = allowed.logical_and(attention_mask.to(dev).to(torch::kBool).view({p.B, 1, p.T}));
  }
  p.mask = torch::full({p.B, p.T, p.L}, kMaskValue, embed_.options().requires_grad(false))
               .masked_fill_(allowed, 0.0)
               .view({p.B, 1, p.T, 1, p.L});
  return run(ids.to(dev), p, nullptr);
}

torch::Tensor TransformerImpl::forward_cached(const torch::Tensor& ids, const torch::Tensor& start,
                                              KVCache& cache) {
  TORCH_CHECK(ids.dim() == 2, "forward_cached: ids must be [B,T], got ", ids.sizes());
  const int64_t B = ids.size(0), T = ids.size(1);
  TORCH_CHECK(start.dim() == 1 && start.size(0) == B && start.device().is_cpu() &&
                  start.scalar_type() == torch::kLong,
              "forward_cached: start must be a CPU int64 tensor [", B, "], got ", start.sizes());
  TORCH_CHECK(static_cast<int64_t>(cache.k.size()) == cfg_.num_hidden_layers,
              "forward_cached: cache has ", cache.k.size(), " layers, model has ", cfg_.num_hidden_layers);
  TORCH_CHECK(B <= cache.max_seqs(), "forward_cached: batch ", B, " exceeds cache rows ", cache.max_seqs());
  TORCH_CHECK(cache.k[0].scalar_type() == embed_.scalar_type() && cache.k[0].device() == embed_.device(),
              "forward_cached: cache is ", cache.k[0].scalar_type(), " on ", cache.k[0].device(), ", model is ",
              embed_.scalar_type(), " on ", embed_.device());
  torch::NoGradGuard no_grad;
  const auto dev = embed_.device();
  // Positions are built on the CPU (start lives there) and copied once: small index tensors.
  auto qpos_cpu = torch::empty({B, T}, torch::kLong);
  auto* qp = qpos_cpu.data_ptr<int64_t>();
  auto st = start.contiguous();
  const auto* s = st.data_ptr<int64_t>();
  int64_t L = 0;
  for (int64_t b = 0; b < B; ++b) {
    TORCH_CHECK(s[b] >= 0, "forward_cached: negative start ", s[b], " for row ", b);
    for (int64_t t = 0; t < T; ++t) qp[b * T + t] = s[b] + t;
    L = std::max(L, s[b] + T);
  }
  TORCH_CHECK(L <= cache.max_len(), "forward_cached: position ", L - 1, " exceeds cache length ",
              cache.max_len());
  const auto [cos_table, sin_table] = rope_tables(L);
  if (fused_applies(cache, cos_table, sin_table)) return forward_cached_fused(ids, qp, cache, cos_table, sin_table);
  Pass p;
  p.B = B;
  p.T = T;
  p.L = L;
  auto qpos = qpos_cpu.to(dev);
  rope_rows(cos_table, sin_table, qpos, heads_, kv_heads_, head_dim_, p.cos, p.sin);
  p.pos = qpos;
  p.rows = torch::arange(B, qpos.options()).view({B, 1}).expand({B, T});
  auto keys = torch::arange(L, qpos.options()).view({1, 1, L});
  p.mask = torch::full({B, T, L}, kMaskValue, embed_.options().requires_grad(false))
               .masked_fill_(keys <= qpos.view({B, T, 1}), 0.0)
               .view({B, 1, T, 1, L});
  return run(ids.to(dev), p, &cache);
}

Transformer clone_transformer(const Transformer& model) {
  ModelConfig cfg = model->config();
  const auto& w = model->embed_weight();
  cfg.dtype = w.scalar_type() == torch::kBFloat16 ? "bfloat16" : w.scalar_type() == torch::kHalf ? "float16" : "float32";
  cfg.device = w.device().str();
  Transformer copy(cfg);
  torch::NoGradGuard no_grad;
  auto src = model->named_parameters();
  for (auto& p : copy->named_parameters()) p.value().copy_(src[p.key()]);
  return copy;
}

// ---- init ----

void init_weights(Transformer& model, uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const double std = model->config().initializer_range;
  for (auto& item : model->named_parameters()) {
    const std::string& name = item.key();
    auto& p = item.value();
    auto ends_with = [&](const std::string& suffix) {
      return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (ends_with("norm.weight")) {
      p.fill_(1.0);
    } else if (ends_with(".bias")) {
      p.zero_();
    } else {
      p.copy_(torch::empty(p.sizes(), torch::kFloat).normal_(0.0, std, gen));
    }
  }
}

}  // namespace zerorl
