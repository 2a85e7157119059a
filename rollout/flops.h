#pragma once
// Model FLOPs of one forward pass, counted as computed: 2 FLOPs per multiply-add in the linear
// layers (q/k/v, o, gate/up, down, LM head) and in attention (QK^T and AV over every key the kernel
// touches, masked ones included). Norms, RoPE, softmax and activations are not counted.
#include <cstdint>

#include "core/config.h"

namespace zerorl {

// rows sequences, each running `tokens` new tokens against `keys` keys per layer.
inline double forward_flops(const ModelConfig& m, int64_t rows, int64_t tokens, int64_t keys) {
  const double hidden = static_cast<double>(m.hidden_size), hd = static_cast<double>(head_dim(m));
  const double heads = static_cast<double>(m.num_attention_heads), kv = static_cast<double>(m.num_key_value_heads);
  const double inter = static_cast<double>(m.intermediate_size), vocab = static_cast<double>(m.vocab_size);
  const double linear_per_token =
      static_cast<double>(m.num_hidden_layers) *
          (hidden * (heads + 2 * kv) * hd + heads * hd * hidden + hidden * 2 * inter + inter * hidden) +
      hidden * vocab;
  const double attention_per_token = static_cast<double>(m.num_hidden_layers) * 2 * heads * hd * static_cast<double>(keys);
  return 2.0 * static_cast<double>(rows) * static_cast<double>(tokens) * (linear_per_token + attention_per_token);
}

}  // namespace zerorl
