#pragma once
// The typed run configuration. Each field is declared once, with its default here and its
// one-line comment (and allowed range) in the section's fields() list, which drives YAML
// loading, --set, dumping, unknown-key rejection and `zerorl config --list`.
// yaml-cpp stays out of this header.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config_types.h"

namespace zerorl {

// ---- sections (enums and the Range / Choices annotations: config_types.h) ----
struct RunConfig {
  std::string name = "run";
  std::string dir = "";
  int64_t seed = 0;
  int threads = 0;
  std::string resume = "never";
};
template <class V> void fields(V& v, RunConfig& c) {
  v("name", c.name, "run name; the default run directory is runs/<name>/<date-time>");
  v("dir", c.dir, "run directory; empty = runs/<name>/<date-time>");
  v("seed", c.seed, "seed of every random stream (data order, init, sampling)", at_least(0));
  v("threads", c.threads, "compute threads per process; 0 = cores / ranks on the node", at_least(0));
  v("resume", c.resume, "auto | never | DIR: continue from the newest complete checkpoint (also --resume)");
}

struct ModelConfig {
  std::string path = "";
  std::string model_type = "llama";
  int64_t hidden_size = 128;
  int64_t num_hidden_layers = 4;
  int64_t num_attention_heads = 4;
  int64_t num_key_value_heads = 4;
  int64_t head_dim = 0;
  int64_t intermediate_size = 341;
  int64_t vocab_size = 32;
  int64_t max_position_embeddings = 256;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  std::string rope_scaling_type = "";
  double rope_scaling_factor = 1.0;
  double rope_scaling_low_freq_factor = 1.0;
  double rope_scaling_high_freq_factor = 4.0;
  int64_t rope_scaling_original_max_position_embeddings = 8192;
  bool tie_word_embeddings = true;
  bool attention_bias = false;
  double initializer_range = 0.02;
  std::string dtype = "float32";
  std::string device = "cpu";
};
template <class V> void fields(V& v, ModelConfig& c) {
  v("path", c.path, "Hugging Face model folder (config.json + safetensors); empty = random init from the fields below");
  v("model_type", c.model_type, "architecture family", Choices{{"llama", "qwen2", "qwen3"}});
  v("hidden_size", c.hidden_size, "width of the residual stream", at_least(1));
  v("num_hidden_layers", c.num_hidden_layers, "number of transformer blocks", at_least(1));
  v("num_attention_heads", c.num_attention_heads, "query heads", at_least(1));
  v("num_key_value_heads", c.num_key_value_heads, "key/value heads (grouped-query attention)", at_least(1));
  v("head_dim", c.head_dim, "per-head width; 0 = hidden_size / num_attention_heads", at_least(0));
  v("intermediate_size", c.intermediate_size, "SwiGLU MLP width", at_least(1));
  v("vocab_size", c.vocab_size, "vocabulary size (embedding rows)", at_least(1));
  v("max_position_embeddings", c.max_position_embeddings, "longest sequence (prompt + completion)", at_least(1));
  v("rms_norm_eps", c.rms_norm_eps, "RMSNorm epsilon", above(0));
  v("rope_theta", c.rope_theta, "RoPE base frequency", above(0));
  v("rope_scaling_type", c.rope_scaling_type, "RoPE scaling (HF rope_scaling.rope_type): none, llama3 or linear",
    Choices{{"", "llama3", "linear"}});
  v("rope_scaling_factor", c.rope_scaling_factor, "rope_scaling.factor", above(0));
  v("rope_scaling_low_freq_factor", c.rope_scaling_low_freq_factor, "llama3 rope_scaling.low_freq_factor", above(0));
  v("rope_scaling_high_freq_factor", c.rope_scaling_high_freq_factor, "llama3 rope_scaling.high_freq_factor", above(0));
  v("rope_scaling_original_max_position_embeddings", c.rope_scaling_original_max_position_embeddings,
    "llama3 rope_scaling.original_max_position_embeddings", at_least(1));
  v("tie_word_embeddings", c.tie_word_embeddings, "share the input embedding with the output head");
  v("attention_bias", c.attention_bias, "q/k/v projection biases (Qwen2)");
  v("initializer_range", c.initializer_range, "std of the normal init for random weights", above(0));
  v("dtype", c.dtype, "parameter dtype", Choices{{"float32", "bfloat16"}});
  v("device", c.device, "cpu, cuda or cuda:N");
}

struct TokenizerConfig {
  std::string path = "";
};
template <class V> void fields(V& v, TokenizerConfig& c) {
  v("path", c.path, "folder with tokenizer.json; empty = model.path, else the task's character tokenizer");
}

struct DataConfig {
  std::string train = "";
  std::string eval = "";
  std::string prompt_field = "prompt";
  std::string answer_field = "answer";
  std::string template_name = "r1zero";
  bool skip_bad_rows = false;
  int64_t eval_size = 0;
};
template <class V> void fields(V& v, DataConfig& c) {
  v("train", c.train, "training prompts (JSONL); empty = the synthetic task.*");
  v("eval", c.eval, "held-out prompts (JSONL); empty = the synthetic task's eval split");
  v("prompt_field", c.prompt_field, "JSONL field holding the question");
  v("answer_field", c.answer_field, "JSONL field holding the gold answer");
  v("template", c.template_name, "prompt template",
    Choices{{"r1zero", "r1zero_think", "chatml", "raw", "tiny"}});
  v("skip_bad_rows", c.skip_bad_rows, "skip and count malformed rows instead of failing");
  v("eval_size", c.eval_size, "use only the first N eval rows; 0 = all", at_least(0));
}

struct TaskConfig {
  std::string name = "";
  int digits = 3;
  int64_t eval_size = 200;
  int64_t train_size = 10000;
  int countdown_numbers = 3;
  int countdown_max_target = 100;
};
template <class V> void fields(V& v, TaskConfig& c) {
  v("name", c.name, "synthetic task used when data.train is empty", Choices{{"", "addition", "countdown"}});
  v("digits", c.digits, "addition: digits per operand", between(1, 9));
  v("eval_size", c.eval_size, "held-out problems, never used for training", at_least(0));
  v("train_size", c.train_size, "training problems drawn from run.seed (never a held-out one)", at_least(1));
  v("countdown_numbers", c.countdown_numbers, "countdown: how many numbers are given", between(2, 6));
  v("countdown_max_target", c.countdown_max_target, "countdown: largest target", at_least(1));
}

struct PretrainConfig {
  int64_t steps = 600;
  int64_t batch_size = 64;
  double lr = 2e-3;
  double min_lr = 2e-4;
  int64_t warmup_steps = 100;
  double weight_decay = 0.1;
  double slip_rate = 0.4;
  double tag_fraction = 0.2;
  double recheck_fraction = 0.1;
  std::string recheck_scope = "column";
  double forget_carry = 0;
  std::string out = "models/base_tiny";
};
template <class V> void fields(V& v, PretrainConfig& c) {
  v("steps", c.steps, "optimizer steps", at_least(0));
  v("batch_size", c.batch_size, "documents per step", at_least(1));
  v("lr", c.lr, "peak learning rate", above(0));
  v("min_lr", c.min_lr, "learning rate at the end of the cosine decay", at_least(0));
  v("warmup_steps", c.warmup_steps, "linear warm-up steps", at_least(0));
  v("weight_decay", c.weight_decay, "AdamW weight decay", at_least(0));
  v("slip_rate", c.slip_rate, "share of corpus documents with one arithmetic slip", between(0, 1));
  v("tag_fraction", c.tag_fraction, "share of corpus documents in the <think>/<answer> format", between(0, 1));
  v("recheck_fraction", c.recheck_fraction, "share of documents where the writer re-checks and corrects a step", between(0, 1));
  v("recheck_scope", c.recheck_scope,
    "column: redo one column after 'wait' | work: redo all the work after 'wait', carefully (never a slip)",
    Choices{{"column", "work"}});
  v("forget_carry", c.forget_carry,
    "share of documents whose first pass drops every carry (4+8=12, not 4+8+1=13); needs recheck_scope: work",
    between(0, 1));
  v("out", c.out, "folder the base model is written to (HF format)");
}

struct RolloutConfig {
  int64_t max_new_tokens = 48;
  double temperature = 1.0;
  double top_p = 1.0;
  int64_t top_k = 0;
  double min_p = 0.0;
  std::vector<std::string> stop = {};
  int64_t max_batch_seqs = 256;
  int64_t kv_cache_mb = 1024;
};
template <class V> void fields(V& v, RolloutConfig& c) {
  v("max_new_tokens", c.max_new_tokens, "longest completion, in tokens", at_least(1));
  v("temperature", c.temperature, "sampling temperature; 0 = greedy", at_least(0));
  v("top_p", c.top_p, "nucleus sampling mass; 1 = off", Range{0, 1, true});
  v("top_k", c.top_k, "keep the k most likely tokens; 0 = off", at_least(0));
  v("min_p", c.min_p, "drop tokens below min_p times the top probability; 0 = off", between(0, 1));
  v("stop", c.stop, "stop strings, matched on decoded text (not included in the completion)");
  v("max_batch_seqs", c.max_batch_seqs, "most sequences decoded at once; waiting ones fill freed slots", at_least(1));
  v("kv_cache_mb", c.kv_cache_mb, "KV-cache memory budget in MiB", at_least(1));
}

// One reward as configured: rewards.<name>.weight and rewards.<name>.<param>.
struct RewardSpec {
  std::string name;
  double weight = 1.0;
  nlohmann::json params = nlohmann::json::object();  // every key but weight, as written
  std::string origin;  // "file:line" or "--set", for error messages
};
struct RewardsConfig {
  std::vector<RewardSpec> list;         // in the order written
  std::vector<std::string> plugins;     // rewards.plugins: shared libraries to load
  RewardSpec* find(const std::string& name);
  const RewardSpec* find(const std::string& name) const;
};

struct GrpoConfig {
  int64_t prompts_per_step = 16;
  int64_t group_size = 8;
  LossType loss_type = LossType::Dapo;
  ScaleRewards scale_rewards = ScaleRewards::Group;
  double epsilon_low = 0.2;
  double epsilon_high = 0.2;
  double delta = 0.0;
  double beta = 0.0;
  int64_t ref_reset_every = 0;
  int64_t num_iterations = 1;
  bool mask_truncated_completions = false;
  double adv_eps = 1e-4;
  bool dynamic_sampling = false;
  int64_t max_extra_draws = 3;
};
template <class V> void fields(V& v, GrpoConfig& c) {
  v("prompts_per_step", c.prompts_per_step, "prompts per step, over all ranks", at_least(1));
  v("group_size", c.group_size, "completions per prompt (G); GRPO compares at least 2", at_least(2));
  v("loss_type", c.loss_type, "loss normalisation: grpo | bnpo | dr_grpo | dapo");
  v("scale_rewards", c.scale_rewards, "advantage scaling: group std | batch std | none (Dr. GRPO)");
  v("epsilon_low", c.epsilon_low, "lower clip of the ratio (1 - eps_low)", at_least(0));
  v("epsilon_high", c.epsilon_high, "upper clip of the ratio (1 + eps_high); DAPO clip-higher: 0.28", at_least(0));
  v("delta", c.delta, "dual clip for negative advantages (ratio capped at delta, > 1); 0 = off", at_least(0));
  v("beta", c.beta, "k3 KL weight to the frozen reference; 0 holds no reference model", at_least(0));
  v("ref_reset_every", c.ref_reset_every, "copy the policy into the reference every N steps; 0 = never", at_least(0));
  v("num_iterations", c.num_iterations, "passes over each batch (mu); old log-probs kept", at_least(1));
  v("mask_truncated_completions", c.mask_truncated_completions, "leave completions cut at max_new_tokens out of the loss");
  v("adv_eps", c.adv_eps, "epsilon in (r - mean) / (std + eps)", above(0));
  v("dynamic_sampling", c.dynamic_sampling, "DAPO: drop zero-variance groups and draw more prompts");
  v("max_extra_draws", c.max_extra_draws, "dynamic sampling: most extra rounds of prompts per step", at_least(0));
}

struct OptimConfig {
  double lr = 1e-4;
  double beta1 = 0.9;
  double beta2 = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool decay_norms_biases_embeddings = false;
  Schedule schedule = Schedule::Constant;
  int64_t warmup_steps = 0;
  double min_lr_ratio = 0.1;
  double max_grad_norm = 1.0;
};
template <class V> void fields(V& v, OptimConfig& c) {
  v("lr", c.lr, "peak learning rate", above(0));
  v("beta1", c.beta1, "AdamW beta1", between(0, 1));
  v("beta2", c.beta2, "AdamW beta2", between(0, 1));
  v("eps", c.eps, "AdamW epsilon", above(0));
  v("weight_decay", c.weight_decay, "AdamW decoupled weight decay", at_least(0));
  v("decay_norms_biases_embeddings", c.decay_norms_biases_embeddings, "also decay norms, biases and embeddings");
  v("schedule", c.schedule, "after warm-up: constant | cosine | linear");
  v("warmup_steps", c.warmup_steps, "linear warm-up steps", at_least(0));
  v("min_lr_ratio", c.min_lr_ratio, "cosine/linear: final lr as a fraction of lr", between(0, 1));
  v("max_grad_norm", c.max_grad_norm, "clip the global gradient norm; 0 = off", at_least(0));
}

struct TrainConfig {
  int64_t steps = 100;
  int64_t save_every = 50;
  int64_t eval_every = 10;
  int64_t keep_last = 2;
  int64_t micro_batch_tokens = 0;
  double max_time = 0;
  int64_t max_skipped_steps = 3;
  int64_t log_completions = 4;
};
template <class V> void fields(V& v, TrainConfig& c) {
  v("steps", c.steps, "GRPO updates", at_least(0));
  v("save_every", c.save_every, "checkpoint every N steps (and at the end); 0 = only at the end", at_least(0));
  v("eval_every", c.eval_every, "evaluate every N steps (and at step 0 and the end); 0 = never", at_least(0));
  v("keep_last", c.keep_last, "checkpoints kept", at_least(1));
  v("micro_batch_tokens", c.micro_batch_tokens, "tokens per micro-batch in the update; 0 = whole batch", at_least(0));
  v("max_time", c.max_time, "seconds: checkpoint and stop cleanly before this wall time; 0 = no limit", at_least(0));
  v("max_skipped_steps", c.max_skipped_steps, "stop after this many non-finite steps in a row", at_least(1));
  v("log_completions", c.log_completions, "completions written to completions.jsonl per step", at_least(0));
}

struct EvalConfig {
  int64_t samples = 1;
  int64_t k = 1;
  double temperature = 1.0;
  int64_t max_new_tokens = 48;
  bool greedy = true;
};
template <class V> void fields(V& v, EvalConfig& c) {
  v("samples", c.samples, "samples per problem for pass@1 (mean) and pass@k / maj@k", at_least(1));
  v("k", c.k, "k of pass@k and maj@k (<= samples)", at_least(1));
  v("temperature", c.temperature, "evaluation sampling temperature", at_least(0));
  v("max_new_tokens", c.max_new_tokens, "longest evaluation completion", at_least(1));
  v("greedy", c.greedy, "also decode greedily for eval/greedy");
}

struct DistConfig {
  Backend backend = Backend::Auto;
  double timeout_s = 300;
};
template <class V> void fields(V& v, DistConfig& c) {
  v("backend", c.backend, "c10d backend: auto (NCCL on CUDA, else Gloo) | gloo | nccl");
  v("timeout_s", c.timeout_s, "rendezvous and collective timeout in seconds", above(0));
}

struct LogConfig {
  bool progress = true;
  int64_t progress_every = 1;
  bool plots = true;
};
template <class V> void fields(V& v, LogConfig& c) {
  v("progress", c.progress, "print a progress line on stderr");
  v("progress_every", c.progress_every, "steps between progress lines", at_least(1));
  v("plots", c.plots, "write PNG plots to run_dir/plots at each evaluation and the end");
}

struct BenchConfig {
  int64_t batch = 128;
  int64_t prompt_tokens = 8;
  int64_t new_tokens = 48;
  int64_t train_batch = 128;
  int64_t train_len = 56;
  int64_t repeats = 3;
};
template <class V> void fields(V& v, BenchConfig& c) {
  v("batch", c.batch, "rollout benchmark: sequences", at_least(1));
  v("prompt_tokens", c.prompt_tokens, "rollout benchmark: prompt tokens", at_least(1));
  v("new_tokens", c.new_tokens, "rollout benchmark: generated tokens", at_least(1));
  v("train_batch", c.train_batch, "train benchmark: sequences", at_least(1));
  v("train_len", c.train_len, "train benchmark: tokens per sequence", at_least(2));
  v("repeats", c.repeats, "timed repetitions (best is reported)", at_least(1));
}

struct Config {
  RunConfig run;
  ModelConfig model;
  TokenizerConfig tokenizer;
  DataConfig data;
  TaskConfig task;
  PretrainConfig pretrain;
  RolloutConfig rollout;
  RewardsConfig rewards;
  GrpoConfig grpo;
  OptimConfig optim;
  TrainConfig train;
  EvalConfig eval;
  DistConfig dist;
  LogConfig log;
  BenchConfig bench;
  std::set<std::string> explicitly_set;  // dotted keys given in a file or by --set
  std::vector<std::string> sources;      // config files, in load order
};

// Every section but rewards, in order.
template <class V> void sections(V& v, Config& c) {
  v("run", c.run); v("model", c.model); v("tokenizer", c.tokenizer); v("data", c.data);
  v("task", c.task); v("pretrain", c.pretrain); v("rollout", c.rollout); v("grpo", c.grpo);
  v("optim", c.optim); v("train", c.train); v("eval", c.eval); v("dist", c.dist);
  v("log", c.log); v("bench", c.bench);
}

// Load files in order (later wins), then apply "dotted.key=value" overrides.
// Throws ConfigError listing every problem (unknown keys with suggestions, types, ranges,
// malformed YAML with file:line:column, missing files, cross-field rules).
// extra_checks (optional) adds problems of its own, e.g. reward names and parameters.
using ExtraChecks = void (*)(const Config&, std::vector<std::string>& problems);
Config load_config(const std::vector<std::string>& files, const std::vector<std::string>& overrides,
                   ExtraChecks extra_checks = nullptr);

// Cross-field rules and ranges; returns every problem found.
std::vector<std::string> validate(const Config& cfg);

// The resolved config as YAML (loadable by load_config to the same values).
std::string dump_yaml(const Config& cfg);

// One line per key: "section.key  type  default  comment", for `zerorl config --list`.
std::string list_keys();

// Head dimension actually used.
inline int64_t head_dim(const ModelConfig& m) {
  return m.head_dim > 0 ? m.head_dim : m.hidden_size / m.num_attention_heads;
}

// Convert a config file value, "1e-4", to the JSON scalar it denotes (for reward params).
nlohmann::json yaml_scalar_to_json(const std::string& text);

}  // namespace zerorl
