#!/usr/bin/python3
"""Golden logits for the C++ transformer, from an independent implementation of the Hugging Face equations.

Run with /usr/bin/python3 (Debian's python3-torch). Written from transformers' modeling_llama.py,
modeling_qwen2.py and modeling_qwen3.py (eager attention path), not from the C++ code:
  LlamaRMSNorm:   w * (x * rsqrt(mean(x^2) + eps))
  RoPE:           q * cos + rotate_half(q) * sin, rotate_half(x) = cat(-x2, x1), cos/sin = cat(freqs, freqs),
                  inv_freq = 1 / base^(arange(0, d, 2) / d), Llama-3 scaling from _compute_llama3_parameters
  attention:      softmax(q k^T / sqrt(d) + causal/padding mask) v, k/v heads repeated (repeat_kv)
  Qwen2:          q/k/v projections with bias; Qwen3: RMSNorm over head_dim of q and k before RoPE
  MLP:            down(silu(gate(x)) * up(x)); pre-norm residual blocks; final norm; lm_head (or tied embed)
The reference runs in float64; weights are stored float32.

Writes tests/model/fixtures/golden_<family>/{config.json, generation_config.json, model.safetensors,
expected.safetensors}
(expected: input_ids [B,T] I64, attention_mask [B,T] I64, logits [B,T,V] F32 with right padding).
"""
import json
import math
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "model", "fixtures")

CONFIGS = {
    "llama": dict(architectures=["LlamaForCausalLM"], model_type="llama", hidden_size=24, intermediate_size=32,
                  num_hidden_layers=2, num_attention_heads=3, num_key_value_heads=1, vocab_size=24,
                  max_position_embeddings=64, rms_norm_eps=1e-5, rope_theta=100.0, tie_word_embeddings=False,
                  attention_bias=False, mlp_bias=False, hidden_act="silu", torch_dtype="float32",
                  # theta 100, head_dim 8: wavelengths 6.3 (kept), 19.9 and 62.8 (smoothed), 199 (divided)
                  rope_scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
                                    original_max_position_embeddings=64)),
    "qwen2": dict(architectures=["Qwen2ForCausalLM"], model_type="qwen2", hidden_size=24, intermediate_size=32,
                  num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, vocab_size=24,
                  max_position_embeddings=64, rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=True,
                  use_sliding_window=False, hidden_act="silu", torch_dtype="float32"),
    "qwen3": dict(architectures=["Qwen3ForCausalLM"], model_type="qwen3", hidden_size=16, intermediate_size=32,
                  num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=8, vocab_size=24,
                  max_position_embeddings=64, rms_norm_eps=1e-6, rope_theta=1000.0, tie_word_embeddings=True,
                  attention_bias=False, use_sliding_window=False, hidden_act="silu", torch_dtype="float32"),
}
LENGTHS = [12, 9, 5]  # right padding to 12


def head_dim(c):
    return c.get("head_dim") or c["hidden_size"] // c["num_attention_heads"]


def make_weights(c, gen):
    def normal(*shape, std=0.3):
        return torch.randn(*shape, generator=gen, dtype=torch.float32) * std

    def around_one(*shape):
        return torch.rand(*shape, generator=gen, dtype=torch.float32) + 0.5

    h, i, v, d = c["hidden_size"], c["intermediate_size"], c["vocab_size"], head_dim(c)
    nh, nkv = c["num_attention_heads"], c["num_key_value_heads"]
    w = {"model.embed_tokens.weight": normal(v, h, std=0.5)}
    for l in range(c["num_hidden_layers"]):
        p = f"model.layers.{l}."
        w[p + "input_layernorm.weight"] = around_one(h)
        w[p + "self_attn.q_proj.weight"] = normal(nh * d, h)
        w[p + "self_attn.k_proj.weight"] = normal(nkv * d, h)
        w[p + "self_attn.v_proj.weight"] = normal(nkv * d, h)
        if c["model_type"] == "qwen2":
            w[p + "self_attn.q_proj.bias"] = normal(nh * d)
            w[p + "self_attn.k_proj.bias"] = normal(nkv * d)
            w[p + "self_attn.v_proj.bias"] = normal(nkv * d)
        if c["model_type"] == "qwen3":
            w[p + "self_attn.q_norm.weight"] = around_one(d)
            w[p + "self_attn.k_norm.weight"] = around_one(d)
        w[p + "self_attn.o_proj.weight"] = normal(h, nh * d)
        w[p + "post_attention_layernorm.weight"] = around_one(h)
        w[p + "mlp.gate_proj.weight"] = normal(i, h)
        w[p + "mlp.up_proj.weight"] = normal(i, h)
        w[p + "mlp.down_proj.weight"] = normal(h, i)
    w["model.norm.weight"] = around_one(h)
    if not c["tie_word_embeddings"]:
        w["lm_head.weight"] = normal(v, h)
    return w


def rms_norm(x, weight, eps):
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def inv_freq(c):
    d = head_dim(c)
    inv = 1.0 / (c["rope_theta"] ** (torch.arange(0, d, 2, dtype=torch.int64).to(torch.float64) / d))
    rs = c.get("rope_scaling")
    if not rs:
        return inv
    factor, low, high = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
    old = rs["original_max_position_embeddings"]
    low_freq_wavelen, high_freq_wavelen = old / low, old / high
    wavelen = 2 * math.pi / inv
    inv_llama = torch.where(wavelen > low_freq_wavelen, inv / factor, inv)
    smooth = (old / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * inv_llama / factor + smooth * inv_llama
    is_medium = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    return torch.where(is_medium, smoothed, inv_llama)


def forward(c, w, ids, attention_mask):
    w = {k: t.to(torch.float64) for k, t in w.items()}
    bsz, seq = ids.shape
    nh, nkv, d, eps = c["num_attention_heads"], c["num_key_value_heads"], head_dim(c), c["rms_norm_eps"]
    positions = torch.arange(seq, dtype=torch.float64)
    freqs = positions[:, None] * inv_freq(c)[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[None, None], emb.sin()[None, None]  # [1,1,T,d]
    min_value = torch.finfo(torch.float64).min
    causal = torch.triu(torch.full((seq, seq), min_value, dtype=torch.float64), diagonal=1)
    mask = causal[None, None].repeat(bsz, 1, 1, 1)
    mask = mask.masked_fill(attention_mask[:, None, None, :] == 0, min_value)

    x = w["model.embed_tokens.weight"][ids]
    for l in range(c["num_hidden_layers"]):
        p = f"model.layers.{l}."
        residual = x
        hs = rms_norm(x, w[p + "input_layernorm.weight"], eps)

        def proj(name):
            out = hs @ w[p + f"self_attn.{name}.weight"].T
            if p + f"self_attn.{name}.bias" in w:
                out = out + w[p + f"self_attn.{name}.bias"]
            return out

        q = proj("q_proj").view(bsz, seq, nh, d)
        k = proj("k_proj").view(bsz, seq, nkv, d)
        v = proj("v_proj").view(bsz, seq, nkv, d).transpose(1, 2)
        if c["model_type"] == "qwen3":
            q = rms_norm(q, w[p + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, w[p + "self_attn.k_norm.weight"], eps)
        q, k = q.transpose(1, 2), k.transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        n_rep = nh // nkv  # repeat_kv: [B,kv,T,d] -> [B,kv*n_rep,T,d], each kv head n_rep times in a row
        k = k[:, :, None].expand(bsz, nkv, n_rep, seq, d).reshape(bsz, nh, seq, d)
        v = v[:, :, None].expand(bsz, nkv, n_rep, seq, d).reshape(bsz, nh, seq, d)
        scores = q @ k.transpose(2, 3) / math.sqrt(d) + mask
        probs = torch.softmax(scores, dim=-1)
        attn = (probs @ v).transpose(1, 2).reshape(bsz, seq, nh * d)
        x = residual + attn @ w[p + "self_attn.o_proj.weight"].T
        residual = x
        hs = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = hs @ w[p + "mlp.gate_proj.weight"].T
        up = hs @ w[p + "mlp.up_proj.weight"].T
        x = residual + (torch.nn.functional.silu(gate) * up) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if c["tie_word_embeddings"] else w["lm_head.weight"]
    return x @ head.T


def save_safetensors(path, tensors, metadata):
    codes = {torch.float32: "F32", torch.int64: "I64"}
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        data = t.contiguous().numpy().tobytes()
        header[name] = {"dtype": codes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text.encode())
        for b in blobs:
            f.write(b)


def main():
    for seed, (family, c) in enumerate(CONFIGS.items()):
        gen = torch.Generator().manual_seed(1234 + seed)
        w = make_weights(c, gen)
        ids = torch.randint(1, c["vocab_size"], (len(LENGTHS), max(LENGTHS)), generator=gen, dtype=torch.int64)
        mask = torch.zeros_like(ids)
        for b, n in enumerate(LENGTHS):
            mask[b, :n] = 1
        ids = ids * mask  # pad id 0
        logits = forward(c, w, ids, mask).to(torch.float32)
        d = os.path.join(OUT, f"golden_{family}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(c, f, indent=2)
            f.write("\n")
        with open(os.path.join(d, "generation_config.json"), "w") as f:
            json.dump({"bos_token_id": 1, "eos_token_id": 2}, f)
            f.write("\n")
        save_safetensors(os.path.join(d, "model.safetensors"), w, {"format": "pt"})
        save_safetensors(os.path.join(d, "expected.safetensors"),
                         {"input_ids": ids, "attention_mask": mask, "logits": logits}, {"format": "pt"})
        print(f"{d}: logits {tuple(logits.shape)}, |logits| max {logits.abs().max().item():.3f}")


if __name__ == "__main__":
    main()
