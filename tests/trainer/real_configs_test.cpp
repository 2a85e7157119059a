// The configs for real models (configs/qwen2.5-*.yaml) are validated by a real run: one GRPO step with
// model.path pointed at a tiny random checkpoint of the same architecture (Qwen2: q/k/v bias, GQA),
// carrying the real Qwen3 tokenizer, on the CPU in fp32. The tiny configs run one step from their
// committed base models.
#include <gtest/gtest.h>

#include <filesystem>

#include "model/hf_checkpoint.h"
#include "model/transformer.h"
#include "tests/trainer/trainer_test_util.h"

using namespace zerorl;
using namespace zerorl::test;
namespace fs = std::filesystem;

namespace {

// A Qwen2-architecture checkpoint a few KB per layer, with the Qwen3 tokenizer (vocab 151669).
std::string tiny_qwen2(const TempDir& tmp) {
  ModelConfig m;
  m.model_type = "qwen2";
  m.hidden_size = 16;
  m.num_hidden_layers = 2;
  m.num_attention_heads = 4;
  m.num_key_value_heads = 2;
  m.intermediate_size = 32;
  m.vocab_size = 151680;
  m.max_position_embeddings = 1024;
  m.attention_bias = true;
  m.tie_word_embeddings = true;
  Transformer model(m);
  init_weights(model, 1);
  std::string dir = tmp / "tiny-qwen2";
  fs::create_directories(dir);
  save_pretrained(model, dir, /*eos=*/151643, /*bos=*/151643, /*pad=*/151643);
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"})
    fs::copy_file(std::string(ZERORL_SHARED_DATA) + "/tokenizers/qwen3/" + f, dir + "/" + f);
  return dir;
}

int one_step(const std::string& config, const std::vector<std::string>& extra, const TempDir& tmp) {
  std::vector<std::string> args = {"train", "--config", std::string(ZERORL_SOURCE_DIR) + "/configs/" + config};
  auto q = quiet();
  args.insert(args.end(), q.begin(), q.end());
  for (const char* kv : {"model.device=cpu", "model.dtype=float32", "train.steps=1", "train.eval_every=0",
                         "train.save_every=0", "grpo.prompts_per_step=2", "grpo.group_size=2",
                         "rollout.max_new_tokens=8", "eval.max_new_tokens=8", "rollout.kv_cache_mb=64",
                         "run.threads=1"}) {
    args.push_back("--set");
    args.push_back(kv);
  }
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back("--set");
  args.push_back("run.dir=" + (tmp / "run"));
  return Child(args, tmp / "err.txt").wait();
}

}  // namespace

TEST(RealConfigs, Qwen05bGsm8kRunsOneStepOnATinyQwen2) {
  TempDir tmp;
  std::string model = tiny_qwen2(tmp);
  const std::string data = ZERORL_SHARED_DATA;
  int rc = one_step("qwen2.5-0.5b_gsm8k.yaml",
                    {"--set", "model.path=" + model, "--set", "data.train=" + data + "/gsm8k_train.jsonl", "--set",
                     "data.eval=" + data + "/gsm8k_test.jsonl", "--set", "data.eval_size=4"},
                    tmp);
  ASSERT_EQ(rc, 0) << slurp(tmp / "err.txt");
  EXPECT_TRUE(fs::exists(tmp / "run/checkpoints/step-000001/model.safetensors"));
  auto rows = lines_of(tmp / "run/metrics.jsonl");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NE(rows[0].find("\"kl\""), std::string::npos) << "beta > 0 logs the KL to the reference";
}

TEST(RealConfigs, Qwen3bCountdownRunsOneStepOnATinyQwen2) {
  TempDir tmp;
  std::string model = tiny_qwen2(tmp);
  int rc = one_step("qwen2.5-3b_countdown.yaml", {"--set", "model.path=" + model, "--set", "task.eval_size=4"}, tmp);
  ASSERT_EQ(rc, 0) << slurp(tmp / "err.txt");
  EXPECT_TRUE(fs::exists(tmp / "run/checkpoints/step-000001/model.safetensors"));
}

TEST(RealConfigs, TinyConfigsRunOneStepFromTheirCommittedBases) {
  for (const char* config : {"r1zero_tiny.yaml", "r1zero_tiny_aha.yaml"}) {
    SCOPED_TRACE(config);
    TempDir tmp;
    const std::string base = std::string(ZERORL_SOURCE_DIR) + "/models/" +
                             (std::string(config) == "r1zero_tiny.yaml" ? "base_tiny" : "base_tiny_aha");
    int rc = one_step(config, {"--set", "model.path=" + base, "--set", "task.eval_size=4"}, tmp);
    ASSERT_EQ(rc, 0) << slurp(tmp / "err.txt");
    auto rows = lines_of(tmp / "run/metrics.jsonl");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_NE(rows[0].find("\"completions/recheck_ratio\""), std::string::npos) << rows[0];
  }
}
