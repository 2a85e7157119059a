#!/usr/bin/env python3
"""Check that a checkpoint folder is loadable by Hugging Face transformers, without transformers.

Standard library only. Checks what AutoModelForCausalLM.from_pretrained and the safetensors library
insist on: config.json with the keys of the architecture and `architectures` set, generation_config.json,
safetensors headers that are well formed (8-byte length, JSON, known dtypes, data_offsets contiguous and
covering the data exactly, metadata format "pt"), and tensor names and shapes as the config implies.

usage: check_hf_checkpoint.py DIR        exit 0 when loadable, 1 with one line per problem otherwise
"""
import json
import os
import struct
import sys

from hf_check_common import help_requested, read_json, report

ARCHITECTURES = {"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM", "qwen3": "Qwen3ForCausalLM"}
DTYPE_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}
REQUIRED_INT = ["hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                "num_key_value_heads", "vocab_size", "max_position_embeddings"]
REQUIRED_NUM = ["rms_norm_eps", "rope_theta"]


def read_header(path, problems):
    """Returns {name: (dtype, shape)} of one safetensors file, appending problems."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            problems.append(f"{path}: shorter than 8 bytes")
            return {}
        (n,) = struct.unpack("<Q", head)
        if n > size - 8:
            problems.append(f"{path}: header length {n} exceeds the file")
            return {}
        raw = f.read(n)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        problems.append(f"{path}: header is not JSON: {e}")
        return {}
    if not isinstance(header, dict):
        problems.append(f"{path}: header is not a JSON object")
        return {}
    meta = header.pop("__metadata__", None)
    if not isinstance(meta, dict) or meta.get("format") not in ("pt", "tf", "flax", "mlx"):
        problems.append(f'{path}: __metadata__ must hold "format": "pt" (transformers refuses the file otherwise)')
    elif not all(isinstance(v, str) for v in meta.values()):
        problems.append(f"{path}: __metadata__ values must be strings")
    out, spans = {}, []
    for name, e in header.items():
        if not isinstance(e, dict) or set(e) != {"dtype", "shape", "data_offsets"}:
            problems.append(f"{path}: tensor {name}: entry must have exactly dtype, shape, data_offsets")
            continue
        dtype, shape, offs = e["dtype"], e["shape"], e["data_offsets"]
        if dtype not in DTYPE_BYTES:
            problems.append(f"{path}: tensor {name}: unknown dtype {dtype}")
            continue
        if not (isinstance(shape, list) and all(isinstance(d, int) and d >= 0 for d in shape)):
            problems.append(f"{path}: tensor {name}: bad shape {shape}")
            continue
        if not (isinstance(offs, list) and len(offs) == 2 and all(isinstance(o, int) for o in offs)):
            problems.append(f"{path}: tensor {name}: bad data_offsets {offs}")
            continue
        numel = 1
        for d in shape:
            numel *= d
        if offs[1] - offs[0] != numel * DTYPE_BYTES[dtype]:
            problems.append(f"{path}: tensor {name}: data_offsets {offs} do not match shape {shape} of {dtype}")
        spans.append((offs[0], offs[1], name))
        out[name] = (dtype, shape)
    spans.sort()
    pos = 0
    for begin, end, name in spans:
        if begin != pos:
            problems.append(f"{path}: tensor {name}: data starts at {begin}, expected {pos} (gap or overlap)")
        pos = max(pos, end)
    if 8 + n + pos != size:
        problems.append(f"{path}: file is {size} bytes, header describes {8 + n + pos} (truncated or trailing data)")
    return out


def expected_tensors(cfg):
    h, inter, vocab = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    heads, kv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    d = cfg.get("head_dim") or h // heads
    kind = cfg["model_type"]
    qkv_bias = kind == "qwen2" or cfg.get("attention_bias", False)
    o_bias = kind != "qwen2" and cfg.get("attention_bias", False)
    t = {"model.embed_tokens.weight": [vocab, h], "model.norm.weight": [h]}
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        t[p + "input_layernorm.weight"] = [h]
        t[p + "post_attention_layernorm.weight"] = [h]
        for name, rows in (("q_proj", heads * d), ("k_proj", kv * d), ("v_proj", kv * d)):
            t[p + f"self_attn.{name}.weight"] = [rows, h]
            if qkv_bias:
                t[p + f"self_attn.{name}.bias"] = [rows]
        t[p + "self_attn.o_proj.weight"] = [h, heads * d]
        if o_bias:
            t[p + "self_attn.o_proj.bias"] = [h]
        if kind == "qwen3":
            t[p + "self_attn.q_norm.weight"] = [d]
            t[p + "self_attn.k_norm.weight"] = [d]
        t[p + "mlp.gate_proj.weight"] = [inter, h]
        t[p + "mlp.up_proj.weight"] = [inter, h]
        t[p + "mlp.down_proj.weight"] = [h, inter]
    if not cfg.get("tie_word_embeddings", False):
        t["lm_head.weight"] = [vocab, h]
    return t


def check(folder):
    problems = []
    cfg_path = os.path.join(folder, "config.json")
    cfg, problem = read_json(cfg_path)
    if problem:
        return [problem]
    if not isinstance(cfg, dict):
        return [f"{cfg_path}: not a JSON object"]
    kind = cfg.get("model_type")
    if kind not in ARCHITECTURES:
        return [f"{cfg_path}: model_type {kind!r} is not one of {sorted(ARCHITECTURES)}"]
    if cfg.get("architectures") != [ARCHITECTURES[kind]]:
        problems.append(f'{cfg_path}: "architectures" must be ["{ARCHITECTURES[kind]}"], got {cfg.get("architectures")}')
    for key in REQUIRED_INT:
        if not isinstance(cfg.get(key), int) or isinstance(cfg.get(key), bool) or cfg[key] <= 0:
            problems.append(f'{cfg_path}: "{key}" must be a positive integer, got {cfg.get(key)!r}')
    for key in REQUIRED_NUM:
        if not isinstance(cfg.get(key), (int, float)) or isinstance(cfg.get(key), bool):
            problems.append(f'{cfg_path}: "{key}" must be a number, got {cfg.get(key)!r}')
    if cfg.get("torch_dtype") not in ("float32", "bfloat16", "float16"):
        problems.append(f'{cfg_path}: "torch_dtype" must be float32, bfloat16 or float16, got {cfg.get("torch_dtype")!r}')
    if cfg.get("hidden_act", "silu") != "silu":
        problems.append(f'{cfg_path}: "hidden_act" must be silu')
    if not isinstance(cfg.get("tie_word_embeddings"), bool):
        problems.append(f'{cfg_path}: "tie_word_embeddings" must be true or false')
    gen_path = os.path.join(folder, "generation_config.json")
    gen, problem = read_json(gen_path)
    if problem:
        problems.append(problem)
    elif not isinstance(gen, dict):
        problems.append(f"{gen_path}: not a JSON object")
    if problems:
        return problems

    single = os.path.join(folder, "model.safetensors")
    index = os.path.join(folder, "model.safetensors.index.json")
    found = {}
    if os.path.exists(single):
        found = {n: (v, single) for n, v in read_header(single, problems).items()}
    elif os.path.exists(index):
        with open(index, encoding="utf-8") as f:
            weight_map = json.load(f).get("weight_map", {})
        for shard in sorted(set(weight_map.values())):
            for n, v in read_header(os.path.join(folder, shard), problems).items():
                found[n] = (v, shard)
        for n, shard in weight_map.items():
            if n not in found or found[n][1] != shard:
                problems.append(f"{index}: tensor {n} is not in {shard}")
    else:
        return problems + [f"{folder}: no model.safetensors or model.safetensors.index.json"]
    want = expected_tensors(cfg)
    for name, shape in want.items():
        if name not in found:
            problems.append(f"missing tensor {name} (shape {shape})")
        elif found[name][0][1] != shape:
            problems.append(f"tensor {name} has shape {found[name][0][1]}, config.json implies {shape}")
        elif found[name][0][0] not in ("F32", "BF16", "F16"):
            problems.append(f"tensor {name} has dtype {found[name][0][0]}, expected F32, BF16 or F16")
    for name in found:
        if name not in want and not (name == "lm_head.weight" and cfg.get("tie_word_embeddings")):
            problems.append(f"unexpected tensor {name}")
    return problems


def main():
    if help_requested(sys.argv):
        print(__doc__.strip())
        return 0
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    if report(check(sys.argv[1]), sys.stderr):
        return 1
    print(f"ok: {sys.argv[1]} is loadable by transformers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
