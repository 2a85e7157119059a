#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "tests/model/test_files.h"
#include "model/hf_checkpoint.h"

namespace zerorl {
namespace {

namespace fs = std::filesystem;
using test::slurp;
using test::write_file;

fs::path temp_dir(const std::string& name) { return test::fresh_dir("hf_test", name); }
using nlohmann::json;

ModelConfig small(const std::string& type) {
  ModelConfig c;
  c.model_type = type;
  c.hidden_size = 16;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.intermediate_size = 24;
  c.vocab_size = 11;
  c.initializer_range = 0.3;
  if (type == "qwen3") c.head_dim = 8;
  if (type == "llama") {
    c.tie_word_embeddings = false;
    c.rope_scaling_type = "llama3";
    c.rope_scaling_factor = 8;
    c.rope_scaling_original_max_position_embeddings = 32;
  }
  return c;
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no InputError";
}

void expect_same_params(Transformer& a, Transformer& b) {
  auto pa = a->named_parameters(), pb = b->named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (auto& p : pa) {
    ASSERT_NE(pb.find(p.key()), nullptr) << p.key();
    EXPECT_TRUE(torch::equal(p.value(), pb[p.key()])) << p.key();
  }
}

class SaveLoad : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(SaveLoad, SavePretrainedThenLoadIsBitExact) {
  auto [type, dtype] = GetParam();
  auto cfg = small(type);
  cfg.dtype = dtype;
  Transformer m(cfg);
  init_weights(m, 11);
  auto d = temp_dir("roundtrip_" + type + dtype);
  save_pretrained(m, d.string(), 2, 1, 0);
  auto back = load_pretrained(d.string(), "cpu", dtype);
  EXPECT_EQ(back->config().rope_scaling_type, cfg.rope_scaling_type);
  expect_same_params(m, back);
  auto ids = torch::randint(cfg.vocab_size, {2, 5}, torch::kLong);
  EXPECT_TRUE(torch::equal(m->forward(ids), back->forward(ids)));
}

INSTANTIATE_TEST_SUITE_P(Families, SaveLoad,
                         ::testing::Values(std::make_pair("llama", "float32"), std::make_pair("qwen2", "float32"),
                                           std::make_pair("qwen3", "float32"), std::make_pair("qwen2", "bfloat16")));

TEST(HfCheckpoint, ConfigAndGenerationConfigKeys) {
  auto cfg = small("qwen2");
  cfg.dtype = "bfloat16";
  Transformer m(cfg);
  auto d = temp_dir("keys");
  save_pretrained(m, d.string(), 7, 6, -1);
  auto c = json::parse(slurp(d / "config.json"));
  EXPECT_EQ(c["architectures"], json::array({"Qwen2ForCausalLM"}));
  EXPECT_EQ(c["torch_dtype"], "bfloat16");
  EXPECT_EQ(c["hidden_size"], 16);
  EXPECT_EQ(c["num_key_value_heads"], 2);
  EXPECT_EQ(c["tie_word_embeddings"], true);
  EXPECT_EQ(c["eos_token_id"], 7);
  EXPECT_FALSE(c.contains("pad_token_id"));
  auto g = json::parse(slurp(d / "generation_config.json"));
  EXPECT_EQ(g["eos_token_id"], 7);
  EXPECT_EQ(g["bos_token_id"], 6);
  EXPECT_EQ(safetensors_metadata((d / "model.safetensors").string()).at("format"), "pt");
  // HF names, q/k/v split back out, no lm_head when tied.
  std::set<std::string> names;
  for (auto& [n, t] : load_safetensors(d.string())) names.insert(n);
  EXPECT_TRUE(names.count("model.layers.1.self_attn.k_proj.bias"));
  EXPECT_TRUE(names.count("model.layers.0.mlp.gate_proj.weight"));
  EXPECT_FALSE(names.count("lm_head.weight"));
  EXPECT_EQ(names.size(), 1u + 2 * 12 + 1);  // embed + 2 layers x (2 norms, 3 w + 3 b, o, 3 mlp) + norm
}

TEST(HfCheckpoint, ReadsPublishedConfigs) {
  auto d = temp_dir("published");
  // Qwen2.5-0.5B's config.json as published.
  write_file(d / "config.json", R"({"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0,
    "bos_token_id": 151643, "eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 896,
    "initializer_range": 0.02, "intermediate_size": 4864, "max_position_embeddings": 32768,
    "max_window_layers": 24, "model_type": "qwen2", "num_attention_heads": 14, "num_hidden_layers": 24,
    "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768,
    "tie_word_embeddings": true, "torch_dtype": "bfloat16", "transformers_version": "4.40.1",
    "use_cache": true, "use_sliding_window": false, "vocab_size": 151936})");
  auto q = read_hf_config(d.string());
  EXPECT_EQ(q.model_type, "qwen2");
  EXPECT_EQ(q.hidden_size, 896);
  EXPECT_EQ(q.num_key_value_heads, 2);
  EXPECT_EQ(head_dim(q), 64);
  EXPECT_EQ(q.rope_theta, 1e6);
  EXPECT_TRUE(q.tie_word_embeddings);
  EXPECT_TRUE(q.attention_bias);
  EXPECT_EQ(q.path, d.string());
  // Llama-3.2-1B's.
  write_file(d / "config.json", R"({"architectures":["LlamaForCausalLM"],"attention_bias":false,
    "attention_dropout":0.0,"bos_token_id":128000,"eos_token_id":128001,"head_dim":64,"hidden_act":"silu",
    "hidden_size":2048,"initializer_range":0.02,"intermediate_size":8192,"max_position_embeddings":131072,
    "mlp_bias":false,"model_type":"llama","num_attention_heads":32,"num_hidden_layers":16,
    "num_key_value_heads":8,"pretraining_tp":1,"rms_norm_eps":1e-05,"rope_scaling":{"factor":32.0,
    "high_freq_factor":4.0,"low_freq_factor":1.0,"original_max_position_embeddings":8192,"rope_type":"llama3"},
    "rope_theta":500000.0,"tie_word_embeddings":true,"torch_dtype":"bfloat16","use_cache":true,"vocab_size":128256})");
  auto l = read_hf_config((d / "config.json").string());
  EXPECT_EQ(l.rope_scaling_type, "llama3");
  EXPECT_EQ(l.rope_scaling_factor, 32.0);
  EXPECT_EQ(l.rope_scaling_high_freq_factor, 4.0);
  EXPECT_EQ(l.rope_scaling_original_max_position_embeddings, 8192);
  EXPECT_EQ(l.rms_norm_eps, 1e-5);
  EXPECT_FALSE(l.attention_bias);
  // Qwen3-0.6B's: head_dim 128 differs from hidden / heads = 64.
  write_file(d / "config.json", R"({"architectures":["Qwen3ForCausalLM"],"attention_bias":false,
    "attention_dropout":0.0,"bos_token_id":151643,"eos_token_id":151645,"head_dim":128,"hidden_act":"silu",
    "hidden_size":1024,"initializer_range":0.02,"intermediate_size":3072,"max_position_embeddings":40960,
    "max_window_layers":28,"model_type":"qwen3","num_attention_heads":16,"num_hidden_layers":28,
    "num_key_value_heads":8,"rms_norm_eps":1e-06,"rope_scaling":null,"rope_theta":1000000,"sliding_window":null,
    "tie_word_embeddings":true,"torch_dtype":"bfloat16","transformers_version":"4.51.0","use_cache":true,
    "use_sliding_window":false,"vocab_size":151936})");
  auto q3 = read_hf_config(d.string());
  EXPECT_EQ(head_dim(q3), 128);
  EXPECT_EQ(q3.rope_scaling_type, "");
}

TEST(HfCheckpoint, SavedConfigReadsBackToSameConfig) {
  for (const char* type : {"llama", "qwen2", "qwen3"}) {
    auto cfg = small(type);
    auto d = temp_dir(std::string("cfg_") + type);
    write_file(d / "config.json", hf_config_json(cfg, 1, 0, -1).dump());
    auto back = read_hf_config(d.string());
    EXPECT_EQ(back.model_type, cfg.model_type);
    EXPECT_EQ(head_dim(back), head_dim(cfg));
    EXPECT_EQ(back.tie_word_embeddings, cfg.tie_word_embeddings);
    EXPECT_EQ(back.rope_scaling_type, cfg.rope_scaling_type);
    EXPECT_EQ(back.rope_scaling_factor, cfg.rope_scaling_factor);
    EXPECT_EQ(back.intermediate_size, cfg.intermediate_size);
  }
}

TEST(HfCheckpoint, BadConfigNamesKeyAndFile) {
  const json good = hf_config_json(small("qwen3"), 1, 0, -1);
  struct Case {
    const char* key;
    json value;  // null = remove the key
    const char* expect;
  };
  const std::vector<Case> cases = {
      {"hidden_size", nullptr, "\"hidden_size\" is missing"},
      {"num_hidden_layers", "4", "\"num_hidden_layers\" must be an integer"},
      {"model_type", "gpt2", "\"model_type\" is 'gpt2'"},
      {"hidden_act", "gelu", "\"hidden_act\""},
      {"num_key_value_heads", 3, "\"num_key_value_heads\""},
      {"vocab_size", 0, "\"vocab_size\" must be positive"},
      {"rope_scaling", json{{"rope_type", "yarn"}, {"factor", 4.0}}, "\"rope_type\" is 'yarn'"},
      {"rope_scaling", json{{"rope_type", "llama3"}, {"factor", 4.0}, {"original_max_position_embeddings", 64}},
       "rope_scaling: key \"low_freq_factor\" is missing"},
      {"use_sliding_window", true, "\"use_sliding_window\""},
      {"tie_word_embeddings", "yes", "\"tie_word_embeddings\" must be true or false"},
  };
  auto d = temp_dir("badcfg");
  for (const auto& c : cases) {
    json j = good;
    if (c.value.is_null()) j.erase(c.key);
    else j[c.key] = c.value;
    write_file(d / "config.json", j.dump());
    auto msg = error_of([&] { read_hf_config(d.string()); });
    EXPECT_NE(msg.find((d / "config.json").string()), std::string::npos) << c.key << ": " << msg;
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.key << ": " << msg;
  }
  write_file(d / "config.json", "{\"model_type\": ");
  EXPECT_NE(error_of([&] { read_hf_config(d.string()); }).find("broken JSON"), std::string::npos);
  EXPECT_NE(error_of([&] { read_hf_config((d / "none").string()); }).find("cannot read"), std::string::npos);
}

// A saved checkpoint, with its tensors changed by `edit`, must fail with a message naming tensor and file.
class BadCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    Transformer m(small("qwen2"));
    init_weights(m, 3);
    save_pretrained(m, dir_.string(), 1, 0, -1);
    file_ = (dir_ / "model.safetensors").string();
  }
  void rewrite(const std::function<void(NamedTensors&)>& edit) {
    auto ts = load_safetensors(file_);
    for (auto& [n, t] : ts) t = t.clone();  // detach from the mapping of the file we overwrite
    edit(ts);
    save_safetensors(file_, ts, {{"format", "pt"}});
  }
  std::string load_error() { return error_of([&] { load_pretrained(dir_.string(), "cpu", "float32"); }); }
  fs::path dir_;
  std::string file_;
};

TEST_F(BadCheckpoint, MissingTensor) {
  rewrite([](NamedTensors& ts) {
    ts.erase(std::remove_if(ts.begin(), ts.end(), [](auto& p) { return p.first == "model.layers.1.mlp.up_proj.weight"; }),
             ts.end());
  });
  auto msg = load_error();
  EXPECT_NE(msg.find(file_), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing tensor model.layers.1.mlp.up_proj.weight"), std::string::npos) << msg;
}

TEST_F(BadCheckpoint, ExtraTensor) {
  rewrite([](NamedTensors& ts) { ts.emplace_back("model.layers.2.mlp.up_proj.weight", torch::zeros({24, 16})); });
  auto msg = load_error();
  EXPECT_NE(msg.find(file_), std::string::npos) << msg;
  EXPECT_NE(msg.find("unexpected tensor model.layers.2.mlp.up_proj.weight"), std::string::npos) << msg;
}

TEST_F(BadCheckpoint, ShapeMismatch) {
  rewrite([](NamedTensors& ts) {
    for (auto& [n, t] : ts)
      if (n == "model.embed_tokens.weight") t = torch::zeros({12, 16});
  });
  auto msg = load_error();
  EXPECT_NE(msg.find(file_), std::string::npos) << msg;
  EXPECT_NE(msg.find("tensor model.embed_tokens.weight has shape [12, 16] but config.json implies [11, 16]"),
            std::string::npos)
      << msg;
}

TEST_F(BadCheckpoint, IntegerDtype) {
  rewrite([](NamedTensors& ts) {
    for (auto& [n, t] : ts)
      if (n == "model.norm.weight") t = t.to(torch::kLong);
  });
  auto msg = load_error();
  EXPECT_NE(msg.find("tensor model.norm.weight has dtype Long"), std::string::npos) << msg;
}

TEST_F(BadCheckpoint, UnsupportedDtype) {
  auto bytes = slurp(file_);
  auto at = bytes.find("\"F32\"");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 5, "\"U32\"");
  write_file(file_, bytes);
  auto msg = load_error();
  EXPECT_NE(msg.find(file_), std::string::npos) << msg;
  EXPECT_NE(msg.find("unsupported dtype U32"), std::string::npos) << msg;
  EXPECT_NE(msg.find("tensor model."), std::string::npos) << msg;
}

TEST_F(BadCheckpoint, TruncatedFile) {
  auto bytes = slurp(file_);
  write_file(file_, bytes.substr(0, bytes.size() - 10));
  auto msg = load_error();
  EXPECT_NE(msg.find(file_), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated: tensor "), std::string::npos) << msg;
}

TEST_F(BadCheckpoint, BrokenHeaderJson) {
  auto bytes = slurp(file_);
  bytes[8] = '[';
  write_file(file_, bytes);
  auto msg = load_error();
  EXPECT_NE(msg.find(file_), std::string::npos) << msg;
  EXPECT_NE(msg.find("broken safetensors header JSON"), std::string::npos) << msg;
}

TEST(HfCheckpoint, LoadsShardedCheckpoint) {
  auto cfg = small("llama");
  Transformer m(cfg);
  init_weights(m, 8);
  auto d = temp_dir("sharded");
  save_pretrained(m, d.string(), 1, 0, -1);
  auto all = load_safetensors(d.string());
  for (auto& [n, t] : all) t = t.clone();
  fs::remove(d / "model.safetensors");
  NamedTensors a(all.begin(), all.begin() + all.size() / 2), b(all.begin() + all.size() / 2, all.end());
  save_safetensors((d / "model-00001-of-00002.safetensors").string(), a, {{"format", "pt"}});
  save_safetensors((d / "model-00002-of-00002.safetensors").string(), b, {{"format", "pt"}});
  json map;
  for (auto& [n, t] : a) map[n] = "model-00001-of-00002.safetensors";
  for (auto& [n, t] : b) map[n] = "model-00002-of-00002.safetensors";
  write_file(d / "model.safetensors.index.json", json{{"metadata", json::object()}, {"weight_map", map}}.dump());
  auto back = load_pretrained(d.string(), "cpu", "float32");
  expect_same_params(m, back);
}

int run_checker(const fs::path& dir) {
  std::string cmd = "python3 " + std::string(ZERORL_SOURCE_DIR) + "/scripts/check_hf_checkpoint.py " + dir.string() +
                    " > /dev/null 2>&1";
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST(HfCheckpoint, CheckerAcceptsOurCheckpointsAndRejectsBrokenOnes) {
  if (std::system("python3 -c pass > /dev/null 2>&1") != 0) GTEST_SKIP() << "python3 not found";
  const auto root = temp_dir("checker");
  for (const char* type : {"llama", "qwen2", "qwen3"}) {
    Transformer m(small(type));
    save_pretrained(m, (root / type).string(), 1, 0, 2);
    EXPECT_EQ(run_checker(root / type), 0) << type;
  }
  auto d = root / "llama";
  fs::remove(d / "generation_config.json");
  EXPECT_EQ(run_checker(d), 1);
  auto q = root / "qwen3";
  auto ts = load_safetensors(q.string());
  for (auto& [n, t] : ts) t = t.clone();
  ts.pop_back();
  save_safetensors((q / "model.safetensors").string(), ts, {{"format", "pt"}});
  EXPECT_EQ(run_checker(q), 1);
  save_safetensors((q / "model.safetensors").string(), {}, {});  // no format=pt, no tensors
  EXPECT_EQ(run_checker(q), 1);
}

}  // namespace
}  // namespace zerorl
