// Pretraining: a few steps of a tiny model write a folder that loads back (weights and tokenizer),
// the same seed gives the same bytes, and the strict rule used to look at the base.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "core/atomic_file.h"
#include "core/config.h"
#include "core/error.h"
#include "model/hf_checkpoint.h"
#include "model/tokenizer/tokenizer.h"
#include "trainer/corpus.h"
#include "trainer/pretrain.h"

namespace zerorl {
namespace {

namespace fs = std::filesystem;

std::string temp_dir() {
  std::string tmpl = (fs::temp_directory_path() / "zerorl_pretrain_XXXXXX").string();
  return mkdtemp(tmpl.data());
}

Config tiny_config(const std::string& out, int64_t steps) {
  Config c;
  c.run.seed = 3;
  c.run.threads = 1;
  c.model.hidden_size = 32;
  c.model.num_hidden_layers = 1;
  c.model.num_attention_heads = 2;
  c.model.num_key_value_heads = 2;
  c.model.intermediate_size = 64;
  c.model.vocab_size = 31;
  c.model.max_position_embeddings = 128;
  c.task.eval_size = 8;
  c.eval.max_new_tokens = 16;
  c.pretrain.steps = steps;
  c.pretrain.batch_size = 16;
  c.pretrain.lr = 1e-2;
  c.pretrain.min_lr = 1e-3;
  c.pretrain.warmup_steps = 5;
  c.pretrain.out = out;
  return c;
}

TEST(Pretrain, WritesALoadableModelAndTokenizer) {
  const std::string dir = temp_dir();
  const std::string out = dir + "/base";
  PretrainResult r = pretrain(tiny_config(out, 40));
  EXPECT_EQ(r.steps, 40);
  EXPECT_TRUE(std::isfinite(r.final_loss));
  // Uniform guessing over 31 tokens costs ln 31 = 3.43 nats; 40 steps must already do much better.
  EXPECT_LT(r.final_loss, 2.5);
  for (const char* f : {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "pretrain.json"})
    EXPECT_TRUE(fs::exists(out + "/" + f)) << f;

  Tokenizer tok = Tokenizer::load(out);
  EXPECT_EQ(tok.vocab_size(), 31);
  EXPECT_EQ(tok.id_to_token(tok.eos_id()), "<eos>");
  EXPECT_EQ(tok.id_to_token(tok.pad_id()), "<pad>");
  EXPECT_EQ(tok.encode("<think>7+5=12</think>").size(), 8u);  // tags are single tokens

  Transformer m = load_pretrained(out, "cpu", "float32");
  EXPECT_EQ(m->config().hidden_size, 32);
  EXPECT_EQ(m->config().vocab_size, 31);
  torch::NoGradGuard g;
  torch::Tensor logits = m->forward(torch::tensor({{5, 6, 7}}, torch::kInt64));
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{1, 3, 31}));
  EXPECT_TRUE(torch::isfinite(logits).all().item<bool>());
  fs::remove_all(dir);
}

TEST(Pretrain, SameSeedSameWeights) {
  const std::string dir = temp_dir();
  pretrain(tiny_config(dir + "/a", 3));
  pretrain(tiny_config(dir + "/b", 3));
  Config other = tiny_config(dir + "/c", 3);
  other.run.seed = 4;
  pretrain(other);
  const std::string a = read_file(dir + "/a/model.safetensors");
  EXPECT_EQ(a, read_file(dir + "/b/model.safetensors"));
  EXPECT_NE(a, read_file(dir + "/c/model.safetensors"));
  fs::remove_all(dir);
}

TEST(Pretrain, RejectsAMismatchedVocabularyOrAModelPath) {
  Config c = tiny_config(temp_dir() + "/x", 1);
  c.model.vocab_size = 32;
  EXPECT_THROW(pretrain(c), ConfigError);
  c.model.vocab_size = 31;
  c.model.path = "models/base_tiny";
  EXPECT_THROW(pretrain(c), ConfigError);
}

// Each committed base model is what its config makes: the pretrain_config.yaml written beside the weights
// holds the same corpus, model and optimizer settings as configs/<name>.yaml (only the output path may differ).
TEST(Pretrain, CommittedBasesMatchTheirConfigs) {
  const std::string src = ZERORL_SOURCE_DIR;
  for (const char* name : {"base_tiny", "base_tiny_aha"}) {
    SCOPED_TRACE(name);
    const Config want = load_config({src + "/configs/" + name + ".yaml"}, {});
    const Config got = load_config({src + "/models/" + name + "/pretrain_config.yaml"}, {});
    EXPECT_EQ(want.pretrain.out, std::string("models/") + name);
    const PretrainConfig &a = want.pretrain, &b = got.pretrain;
    EXPECT_EQ(a.steps, b.steps);
    EXPECT_EQ(a.batch_size, b.batch_size);
    EXPECT_EQ(a.lr, b.lr);
    EXPECT_EQ(a.min_lr, b.min_lr);
    EXPECT_EQ(a.slip_rate, b.slip_rate);
    EXPECT_EQ(a.tag_fraction, b.tag_fraction);
    EXPECT_EQ(a.recheck_fraction, b.recheck_fraction);
    EXPECT_EQ(a.recheck_scope, b.recheck_scope);
    EXPECT_EQ(a.forget_carry, b.forget_carry);
    EXPECT_EQ(want.run.seed, got.run.seed);
    EXPECT_EQ(want.model.hidden_size, got.model.hidden_size);
    EXPECT_EQ(want.model.num_hidden_layers, got.model.num_hidden_layers);
    EXPECT_EQ(want.task.eval_size, got.task.eval_size);
  }
  // The aha base differs from the main job's only in how its writers re-check.
  const Config main = load_config({src + "/configs/base_tiny.yaml"}, {});
  const Config aha = load_config({src + "/configs/base_tiny_aha.yaml"}, {});
  EXPECT_EQ(main.pretrain.recheck_scope, "column");
  EXPECT_EQ(aha.pretrain.recheck_scope, "work");
  EXPECT_EQ(main.pretrain.forget_carry, 0.0);
  EXPECT_EQ(aha.pretrain.forget_carry, 1.0);
  EXPECT_EQ(main.pretrain.slip_rate, aha.pretrain.slip_rate);
  EXPECT_EQ(main.pretrain.recheck_fraction, aha.pretrain.recheck_fraction);
}

TEST(StrictTinyRule, Table) {
  struct Case {
    const char* completion;
    bool correct;
  };
  const Case cases[] = {
      {"<think>7+5=12,4+8+1=13,3+2+1=6</think><answer>632</answer>", true},
      {"<think>7+5=12,4+8+1=14 wait 4+8+1=13,3+2+1=6</think><answer>632</answer>", true},
      {"<think></think><answer>632</answer>", true},
      {"<think>7+5=12</think><answer>642</answer>", false},         // wrong number
      {"<think>7+5=12</think> <answer>632</answer>", false},         // something between the tags
      {"<think>7+5=12</think><answer>632</answer> ", false},         // trailing text
      {"<think>7+5=12</think> Answer: 632", false},                  // almost the format
      {"7+5=12,4+8+1=13,3+2+1=6 Answer: 632", false},
      {"<answer>632</answer>", false},
      {"<think>a<think>b</think><answer>632</answer>", false},       // a nested tag
      {"<think>x</think><answer>632</answer></answer>", false},
      {"<think>x</think><answer></answer>", false},
      {"", false},
  };
  for (const Case& c : cases) EXPECT_EQ(strict_tiny_correct(c.completion, "632"), c.correct) << c.completion;
}

}  // namespace
}  // namespace zerorl
