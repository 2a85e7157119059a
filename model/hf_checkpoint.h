#pragma once
// Hugging Face checkpoint folders: config.json <-> ModelConfig, model.safetensors <-> Transformer
// (by HF tensor name), generation_config.json. A folder we save loads in transformers unchanged
// (AutoModelForCausalLM.from_pretrained): same names, shapes, config keys, architectures, format=pt.
#include <cstdint>
#include <string>

#include "core/config.h"
#include "model/safetensors.h"
#include "model/transformer.h"

namespace zerorl {

// Read DIR/config.json (or a path to a config.json). model_type llama / qwen2 / qwen3, rope_scaling
// (llama3, linear) kept. Sets cfg.path = DIR; dtype and device keep their defaults (the caller's choice).
// Throws InputError naming the key and the file for a missing key, a wrong type or an unsupported
// architecture feature (hidden_act other than silu, mlp_bias, sliding-window attention).
ModelConfig read_hf_config(const std::string& dir);

// config.json as transformers writes it for this architecture (architectures, torch_dtype, ...).
// Token ids < 0 are left out.
nlohmann::json hf_config_json(const ModelConfig& cfg, int64_t eos_token_id, int64_t bos_token_id,
                              int64_t pad_token_id);

// The model's tensors under Hugging Face names (fused q/k/v and gate/up split back; views, no copies).
// lm_head.weight is left out when tied, as transformers does.
NamedTensors hf_state_dict(const Transformer& model);

// Copy tensors with HF names into the model (dtype and device converted). Strict: a missing or extra
// tensor, a shape mismatch or a non-float dtype throws InputError "SOURCE: ... tensor NAME ...".
// Accepted and ignored: lm_head.weight when embeddings are tied, *.rotary_emb.inv_freq buffers.
void load_hf_state_dict(Transformer& model, const NamedTensors& tensors, const std::string& source);

// Write model.safetensors (metadata format=pt), config.json and generation_config.json into dir
// (created if needed) through core/atomic_file.h write_file.
void save_pretrained(Transformer& model, const std::string& dir, int64_t eos_token_id, int64_t bos_token_id,
                     int64_t pad_token_id);

// Build the model of DIR/config.json on `device` ("cpu", "cuda:0") in `dtype` ("float32", "bfloat16")
// and load its weights (single or sharded safetensors), strictly.
Transformer load_pretrained(const std::string& dir, const std::string& device, const std::string& dtype);

}  // namespace zerorl
