#include "model/hf_checkpoint.h"

#include <filesystem>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"

namespace zerorl {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// transformers version written into config.json; Qwen3 needs at least 4.51.
constexpr const char* kTransformersVersion = "4.51.0";

std::string config_path(const std::string& dir) {
  std::error_code ec;
  return fs::is_directory(dir, ec) ? (fs::path(dir) / "config.json").string() : dir;
}

class Reader {
 public:
  Reader(const json& j, std::string file) : j_(j), file_(std::move(file)) {}
  const json* find(const std::string& key) const {
    auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw InputError(file_ + ": key \"" + key + "\" " + what);
  }
  int64_t integer(const std::string& key, std::optional<int64_t> def = std::nullopt) const {
    const json* v = find(key);
    if (!v) return def ? *def : (fail(key, "is missing"), 0);
    if (!v->is_number_integer()) fail(key, "must be an integer, got " + v->dump());
    return v->get<int64_t>();
  }
  double number(const std::string& key, double def) const {
    const json* v = find(key);
    if (!v) return def;
    if (!v->is_number()) fail(key, "must be a number, got " + v->dump());
    return v->get<double>();
  }
  bool boolean(const std::string& key, bool def) const {
    const json* v = find(key);
    if (!v) return def;
    if (!v->is_boolean()) fail(key, "must be true or false, got " + v->dump());
    return v->get<bool>();
  }
  std::string string(const std::string& key, std::optional<std::string> def = std::nullopt) const {
    const json* v = find(key);
    if (!v) return def ? *def : (fail(key, "is missing"), "");
    if (!v->is_string()) fail(key, "must be a string, got " + v->dump());
    return v->get<std::string>();
  }

 private:
  const json& j_;
  std::string file_;
};

std::string shape_str(at::IntArrayRef s) {
  std::ostringstream o;
  o << s;
  return o.str();
}

}  // namespace

ModelConfig read_hf_config(const std::string& dir) {
  const std::string file = config_path(dir);
  json j;
  try {
    j = json::parse(read_file(file));
  } catch (const json::exception& e) {
    throw InputError(file + ": broken JSON: " + e.what());
  }
  if (!j.is_object()) throw InputError(file + ": not a JSON object");
  Reader r(j, file);
  ModelConfig c;
  c.path = fs::is_directory(dir) ? dir : fs::path(dir).parent_path().string();
  c.model_type = r.string("model_type");
  if (c.model_type != "llama" && c.model_type != "qwen2" && c.model_type != "qwen3")
    r.fail("model_type", "is '" + c.model_type + "'; supported: llama, qwen2, qwen3");
  c.hidden_size = r.integer("hidden_size");
  c.num_hidden_layers = r.integer("num_hidden_layers");
  c.num_attention_heads = r.integer("num_attention_heads");
  c.num_key_value_heads = r.integer("num_key_value_heads", c.num_attention_heads);
  c.intermediate_size = r.integer("intermediate_size");
  c.vocab_size = r.integer("vocab_size");
  c.head_dim = r.integer("head_dim", 0);
  if (c.head_dim == c.hidden_size / std::max<int64_t>(c.num_attention_heads, 1) &&
      c.hidden_size % std::max<int64_t>(c.num_attention_heads, 1) == 0)
    c.head_dim = 0;  // the implied value: keep configs round-tripping to the same ModelConfig
  c.max_position_embeddings = r.integer("max_position_embeddings", c.model_type == "llama" ? 2048 : 32768);
  c.rms_norm_eps = r.number("rms_norm_eps", 1e-6);
  c.rope_theta = r.number("rope_theta", 10000.0);
  c.tie_word_embeddings = r.boolean("tie_word_embeddings", false);
  c.attention_bias = c.model_type == "qwen2" ? true : r.boolean("attention_bias", false);
  c.initializer_range = r.number("initializer_range", 0.02);
  for (const auto& [key, value] : {std::pair<const char*, int64_t>{"hidden_size", c.hidden_size},
                                    {"num_hidden_layers", c.num_hidden_layers},
                                    {"num_attention_heads", c.num_attention_heads},
                                    {"num_key_value_heads", c.num_key_value_heads},
                                    {"intermediate_size", c.intermediate_size}, {"vocab_size", c.vocab_size}})
    if (value <= 0) r.fail(key, "must be positive, got " + std::to_string(value));
  if (c.head_dim < 0 || c.head_dim % 2 != 0) r.fail("head_dim", "must be positive and even, got " + std::to_string(c.head_dim));
  if (c.num_attention_heads % c.num_key_value_heads != 0)
    r.fail("num_key_value_heads", "(" + std::to_string(c.num_key_value_heads) +
                                      ") must divide num_attention_heads (" +
                                      std::to_string(c.num_attention_heads) + ")");
  if (r.string("hidden_act", "silu") != "silu") r.fail("hidden_act", "is '" + r.string("hidden_act") + "'; only silu is supported");
  if (r.boolean("mlp_bias", false)) r.fail("mlp_bias", "is true; MLP biases are not supported");
  if (r.boolean("use_sliding_window", false)) r.fail("use_sliding_window", "is true; sliding-window attention is not supported");
  if (const json* rs = r.find("rope_scaling")) {
    if (!rs->is_object()) r.fail("rope_scaling", "must be an object or null");
    Reader s(*rs, file + " rope_scaling");
    std::string type = s.string("rope_type", s.string("type", std::string("default")));
    if (type == "llama3") {
      c.rope_scaling_type = "llama3";
      c.rope_scaling_factor = s.number("factor", NAN);
      c.rope_scaling_low_freq_factor = s.number("low_freq_factor", NAN);
      c.rope_scaling_high_freq_factor = s.number("high_freq_factor", NAN);
      c.rope_scaling_original_max_position_embeddings = s.integer("original_max_position_embeddings");
      for (const char* k : {"factor", "low_freq_factor", "high_freq_factor"})
        if (!s.find(k)) s.fail(k, "is missing");
      if (c.rope_scaling_high_freq_factor <= c.rope_scaling_low_freq_factor)
        s.fail("high_freq_factor", "must exceed low_freq_factor");
    } else if (type == "linear") {
      c.rope_scaling_type = "linear";
      c.rope_scaling_factor = s.number("factor", NAN);
      if (!s.find("factor")) s.fail("factor", "is missing");
    } else if (type != "default") {
      s.fail("rope_type", "is '" + type + "'; supported: llama3, linear (or default)");
    }
    if (!c.rope_scaling_type.empty() && !(c.rope_scaling_factor > 0)) s.fail("factor", "must be positive");
  }
  return c;
}

json hf_config_json(const ModelConfig& c, int64_t eos, int64_t bos, int64_t pad) {
  static const std::map<std::string, std::string> arch = {
      {"llama", "LlamaForCausalLM"}, {"qwen2", "Qwen2ForCausalLM"}, {"qwen3", "Qwen3ForCausalLM"}};
  json j;
  j["architectures"] = {arch.count(c.model_type) ? arch.at(c.model_type) : "LlamaForCausalLM"};
  j["model_type"] = c.model_type;
  j["hidden_size"] = c.hidden_size;
  j["intermediate_size"] = c.intermediate_size;
  j["num_hidden_layers"] = c.num_hidden_layers;
  j["num_attention_heads"] = c.num_attention_heads;
  j["num_key_value_heads"] = c.num_key_value_heads;
  j["head_dim"] = head_dim(c);
  j["hidden_act"] = "silu";
  j["max_position_embeddings"] = c.max_position_embeddings;
  j["rms_norm_eps"] = c.rms_norm_eps;
  j["rope_theta"] = c.rope_theta;
  if (c.rope_scaling_type == "llama3") {
    j["rope_scaling"] = {{"rope_type", "llama3"},
                         {"factor", c.rope_scaling_factor},
                         {"low_freq_factor", c.rope_scaling_low_freq_factor},
                         {"high_freq_factor", c.rope_scaling_high_freq_factor},
                         {"original_max_position_embeddings", c.rope_scaling_original_max_position_embeddings}};
  } else if (c.rope_scaling_type == "linear") {
    j["rope_scaling"] = {{"rope_type", "linear"}, {"factor", c.rope_scaling_factor}};
  } else {
    j["rope_scaling"] = nullptr;
  }
  j["tie_word_embeddings"] = c.tie_word_embeddings;
  j["vocab_size"] = c.vocab_size;
  j["initializer_range"] = c.initializer_range;
  j["attention_dropout"] = 0.0;
  j["use_cache"] = true;
  if (c.model_type == "qwen2" || c.model_type == "qwen3") {
    j["use_sliding_window"] = false;
    j["sliding_window"] = nullptr;
    j["max_window_layers"] = c.num_hidden_layers;
  }
  if (c.model_type != "qwen2") j["attention_bias"] = c.attention_bias;
  if (c.model_type == "llama") {
    j["mlp_bias"] = false;
    j["pretraining_tp"] = 1;
  }
  j["torch_dtype"] = c.dtype == "bfloat16" ? "bfloat16" : "float32";
  if (bos >= 0) j["bos_token_id"] = bos;
  if (eos >= 0) j["eos_token_id"] = eos;
  if (pad >= 0) j["pad_token_id"] = pad;
  j["transformers_version"] = kTransformersVersion;
  return j;
}

NamedTensors hf_state_dict(const Transformer& model) {
  const auto& c = model->config();
  const int64_t H = c.num_attention_heads, KV = c.num_key_value_heads, D = head_dim(c), I = c.intermediate_size;
  NamedTensors out;
  out.emplace_back("model.embed_tokens.weight", model->embed_weight());
  for (size_t l = 0; l < model->blocks().size(); ++l) {
    const auto& w = model->blocks()[l];
    const std::string p = "model.layers." + std::to_string(l) + ".";
    out.emplace_back(p + "input_layernorm.weight", w.input_norm);
    const std::pair<const char*, std::pair<int64_t, int64_t>> parts[] = {
        {"q_proj", {0, H * D}}, {"k_proj", {H * D, KV * D}}, {"v_proj", {(H + KV) * D, KV * D}}};
    for (auto& [name, range] : parts) {
      out.emplace_back(p + "self_attn." + name + ".weight", w.qkv_w.narrow(0, range.first, range.second));
      if (w.qkv_b.defined())
        out.emplace_back(p + "self_attn." + name + ".bias", w.qkv_b.narrow(0, range.first, range.second));
    }
    out.emplace_back(p + "self_attn.o_proj.weight", w.o_w);
    if (w.o_b.defined()) out.emplace_back(p + "self_attn.o_proj.bias", w.o_b);
    if (w.q_norm.defined()) {
      out.emplace_back(p + "self_attn.q_norm.weight", w.q_norm);
      out.emplace_back(p + "self_attn.k_norm.weight", w.k_norm);
    }
    out.emplace_back(p + "post_attention_layernorm.weight", w.post_norm);
    out.emplace_back(p + "mlp.gate_proj.weight", w.gate_up_w.narrow(0, 0, I));
    out.emplace_back(p + "mlp.up_proj.weight", w.gate_up_w.narrow(0, I, I));
    out.emplace_back(p + "mlp.down_proj.weight", w.down_w);
  }
  out.emplace_back("model.norm.weight", model->final_norm_weight());
  if (!c.tie_word_embeddings) out.emplace_back("lm_head.weight", model->lm_head_weight());
  return out;
}

void load_hf_state_dict(Transformer& model, const NamedTensors& tensors, const std::string& source) {
  auto targets = hf_state_dict(model);  // views into the parameters: copying into them fills the model
  std::map<std::string, torch::Tensor> given;
  std::vector<std::string> problems;
  for (auto& [name, t] : tensors) {
    if (name.find("rotary_emb.inv_freq") != std::string::npos) continue;  // a buffer in old checkpoints
    if (name == "lm_head.weight" && model->config().tie_word_embeddings) continue;
    if (!given.emplace(name, t).second) problems.push_back("tensor " + name + " appears twice");
  }
  for (auto& [name, target] : targets) {
    auto it = given.find(name);
    if (it == given.end()) {
      problems.push_back("missing tensor " + name);
      continue;
    }
    const auto& t = it->second;
    if (!t.is_floating_point())
      problems.push_back("tensor " + name + " has dtype " + std::string(c10::toString(t.scalar_type())) +
                         ", expected a floating-point type");
    else if (t.sizes() != target.sizes())
      problems.push_back("tensor " + name + " has shape " + shape_str(t.sizes()) + " but config.json implies " +
                         shape_str(target.sizes()));
    given.erase(it);
  }
  for (auto& [name, t] : given)
    problems.push_back("unexpected tensor " + name + " (not part of a " + model->config().model_type +
                       " model with this config.json)");
  if (!problems.empty())
    throw InputError(source + ": " + problems.front() +
                     (problems.size() > 1 ? " (and " + std::to_string(problems.size() - 1) + " more problems)" : ""));
  torch::NoGradGuard no_grad;
  std::map<std::string, torch::Tensor> by_name(tensors.begin(), tensors.end());
  for (auto& [name, target] : targets) target.copy_(by_name.at(name));
}

void save_pretrained(Transformer& model, const std::string& dir, int64_t eos_token_id, int64_t bos_token_id,
                     int64_t pad_token_id) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw RunError("cannot create " + dir + ": " + ec.message());
  ModelConfig cfg = model->config();
  cfg.dtype = model->embed_weight().scalar_type() == torch::kBFloat16 ? "bfloat16" : "float32";
  const fs::path d(dir);
  save_safetensors((d / "model.safetensors").string(), hf_state_dict(model), {{"format", "pt"}});
  write_file((d / "config.json").string(), hf_config_json(cfg, eos_token_id, bos_token_id, pad_token_id).dump(2) + "\n");
  json gen = {{"_from_model_config", true}, {"transformers_version", kTransformersVersion}};
  if (bos_token_id >= 0) gen["bos_token_id"] = bos_token_id;
  if (eos_token_id >= 0) gen["eos_token_id"] = eos_token_id;
  if (pad_token_id >= 0) gen["pad_token_id"] = pad_token_id;
  write_file((d / "generation_config.json").string(), gen.dump(2) + "\n");
}

Transformer load_pretrained(const std::string& dir, const std::string& device, const std::string& dtype) {
  ModelConfig cfg = read_hf_config(dir);
  cfg.device = device;
  cfg.dtype = dtype;
  parse_dtype(dtype);
  parse_device(device);
  std::optional<Transformer> model;
  try {
    model.emplace(cfg);
  } catch (const InputError& e) {
    throw InputError(config_path(dir) + ": " + e.what());
  }
  const fs::path d(dir);
  const std::string source = fs::exists(d / "model.safetensors") ? (d / "model.safetensors").string()
                             : fs::exists(d / "model.safetensors.index.json")
                                 ? (d / "model.safetensors.index.json").string()
                                 : dir;
  load_hf_state_dict(*model, load_safetensors(dir), source);
  return *model;
}

}  // namespace zerorl
