// Bad input, table-driven, through the zerorl binary (issue 9, point 5): configs, datasets, tokenizer files,
// checkpoints, and the inputs of score / tokenize / generate. Every case must end with the exit code of
// DESIGN.md (2: found before the first step), one line on stderr per problem naming the file, line, key
// or value, no crash (no signal, no "terminate called", no LibTorch backtrace), nothing on stdout, and no
// run directory left behind that a later `--resume auto` could pick up.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "tests/cli/run_process.h"

using namespace zerorl::test;
namespace fs = std::filesystem;

namespace {

// One scratch directory for the whole table, with a valid model folder (a 1-step checkpoint of tiny_debug)
// that cases copy and damage.
class World {
 public:
  static World& get() {
    static World w;
    return w;
  }
  std::string operator/(const std::string& name) const { return dir_ + "/" + name; }
  const std::string& model() const { return model_; }
  const std::string& error() const { return error_; }

  // A copy of the valid model folder under `name`.
  std::string model_copy(const std::string& name) const {
    const std::string d = dir_ + "/" + name;
    fs::remove_all(d);
    fs::copy(model_, d, fs::copy_options::recursive);
    return d;
  }

  ~World() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

 private:
  World() {
    dir_ = testing::TempDir() + "/zerorl_bad_input_" + std::to_string(getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto r = run_process({zerorl_bin(), "train", "--config", source_dir() + "/configs/tiny_debug.yaml", "--set",
                          "run.dir=" + dir_ + "/seed-run", "--set", "train.steps=1", "--set", "train.eval_every=0",
                          "--set", "log.plots=false", "--set", "run.threads=1"});
    model_ = dir_ + "/model";
    if (r.exit_code != 0) error_ = "could not make a model folder: " + r.err;
    else fs::copy(dir_ + "/seed-run/checkpoints/step-000001", model_, fs::copy_options::recursive);
  }
  std::string dir_, model_, error_;
};

struct Invocation {
  std::vector<std::string> argv;
  std::string stdin_text;
  std::string run_dir;  // a train run's run.dir: must not exist afterwards
};

// `zerorl train` on tiny_debug, 2 steps, into a fresh run.dir named after the case, plus extra arguments.
Invocation train(const std::string& name, std::vector<std::string> extra) {
  World& w = World::get();
  Invocation inv;
  inv.run_dir = w / ("run-" + name);
  inv.argv = {zerorl_bin(), "train", "--config", source_dir() + "/configs/tiny_debug.yaml", "--set",
              "run.dir=" + inv.run_dir, "--set", "train.steps=2", "--set", "train.eval_every=0", "--set",
              "log.plots=false", "--set", "run.threads=1"};
  inv.argv.insert(inv.argv.end(), extra.begin(), extra.end());
  return inv;
}

// A YAML file given as a second --config.
Invocation train_with_yaml(const std::string& name, const std::string& yaml) {
  World& w = World::get();
  write_file(w / (name + ".yaml"), yaml);
  return train(name, {"--config", w / (name + ".yaml")});
}

// data.train = a JSONL file holding `text`.
Invocation train_on(const std::string& name, const std::string& text) {
  World& w = World::get();
  write_file(w / (name + ".jsonl"), text);
  return train(name, {"--set", "data.train=" + (w / (name + ".jsonl"))});
}

Invocation command(std::vector<std::string> args, std::string stdin_text = "") {
  Invocation inv;
  inv.argv = {zerorl_bin()};
  inv.argv.insert(inv.argv.end(), args.begin(), args.end());
  inv.stdin_text = std::move(stdin_text);
  return inv;
}

// A damaged copy of the model folder.
std::string damaged_model(const std::string& name, const std::function<void(const std::string&)>& damage) {
  std::string d = World::get().model_copy(name);
  damage(d);
  return d;
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

World& W() { return World::get(); }

struct Case {
  std::string name;
  std::function<Invocation()> make;  // builds its files in the World and returns the command
  int exit_code;
  std::vector<std::string> says;  // each must appear on stderr (a "%W" is replaced by the World's directory)
  int lines = 1;                  // stderr lines: one per problem
  bool streams = false;           // output of the rows before the bad one may precede the error (tokenize)
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

const std::string kRow = "{\"prompt\": \"12+34\", \"answer\": \"46\"}\n";

// Built at test registration: the World (and its model folder) is made only when a case first runs.
std::vector<Case> cases() {
  return {
      // ------------------------------------------------------------------------------------ configs
      {"ConfigUnknownKey", [] { return train_with_yaml("unknown", "grpo:\n  group_sise: 4\n"); }, 2,
       {"%Wunknown.yaml", "grpo.group_sise", "did you mean 'grpo.group_size'"}},
      {"ConfigWrongType", [] { return train_with_yaml("type", "grpo:\n  group_size: four\n"); }, 2,
       {"%Wtype.yaml", "grpo.group_size", "four"}},
      {"ConfigOutOfRange", [] { return train_with_yaml("range", "optim:\n  lr: -1\n"); }, 2,
       {"optim.lr=-1", "must be > 0"}},
      {"ConfigMalformedYaml", [] { return train_with_yaml("malformed", "grpo:\n  group_size: [4\n"); }, 2,
       {"%Wmalformed.yaml:3:1: malformed YAML"}},
      {"ConfigTopLevelList", [] { return train_with_yaml("list", "- 1\n- 2\n"); }, 2, {"%Wlist.yaml"}},
      {"ConfigInvalidUtf8", [] { return train_with_yaml("utf8", "run:\n  name: \"a\xff\xfe\"\n"); }, 2,
       {"%Wutf8.yaml:2: invalid UTF-8"}},
      {"ConfigMissingFile", [] { return train("missing", {"--config", W() / "nope.yaml"}); }, 2, {"%Wnope.yaml"}},
      {"ConfigIsADirectory", [] { return train("dir", {"--config", W() / "model"}); }, 2, {"%Wmodel", "is a directory"}},
      {"ConfigEmptyFileChangesNothing",
       [] {
         auto inv = train_with_yaml("empty", "");
         inv.argv.push_back("--dump-config");
         inv.run_dir.clear();
         return inv;
       },
       0, {}, 0},
      {"ConfigTwoProblemsTwoLines",
       [] { return train("two", {"--set", "grpo.group_size=1", "--set", "rollout.temperature=hot"}); }, 2,
       {"grpo.group_size", "rollout.temperature", "hot"}, 2},
      {"ConfigSetWithoutValue", [] { return train("noeq", {"--set", "grpo.group_size"}); }, 2, {"grpo.group_size"}},
      {"ConfigBadChoice", [] { return train("choice", {"--set", "grpo.loss_type=ppo"}); }, 2,
       {"grpo.loss_type", "ppo", "dapo"}},
      {"RewardUnknownName", [] { return train("rname", {"--set", "rewards.acuracy.weight=1"}); }, 2,
       {"rewards.acuracy", "accuracy"}},
      {"RewardUnknownParam", [] { return train("rparam", {"--set", "rewards.accuracy.require_tgs=true"}); }, 2,
       {"rewards.accuracy.require_tgs", "require_tags"}},
      {"RewardParamWrongType", [] { return train("rtype", {"--set", "rewards.soft_overlong.max_len=long"}); }, 2,
       {"rewards.soft_overlong.max_len", "long"}},
      {"RewardParamOutOfRange", [] { return train("rrange", {"--set", "rewards.soft_overlong.cache_len=-5"}); }, 2,
       {"rewards.soft_overlong.cache_len", "-5"}},
      // ----------------------------------------------------------------------------------- datasets
      {"DataBrokenJson", [] { return train_on("broken", kRow + "{\"prompt\": \"1+2\", \"answer\": \n"); }, 2,
       {"%Wbroken.jsonl:2", "not valid JSON"}},
      {"DataMissingPromptField", [] { return train_on("noprompt", "{\"question\": \"1+2\", \"answer\": \"3\"}\n"); },
       2, {"%Wnoprompt.jsonl:1", "'prompt'"}},
      {"DataMistypedPromptField", [] { return train_on("numprompt", "{\"prompt\": 12, \"answer\": \"3\"}\n"); }, 2,
       {"%Wnumprompt.jsonl:1", "'prompt' must be a string"}},
      {"DataMistypedAnswerField",
       [] { return train_on("listanswer", kRow + kRow + "{\"prompt\": \"1+2\", \"answer\": [3]}\n"); }, 2,
       {"%Wlistanswer.jsonl:3", "'answer'"}},
      {"DataNotAnObject", [] { return train_on("array", "[1, 2]\n"); }, 2,
       {"%Warray.jsonl:1", "expected a JSON object"}},
      {"DataEmptyFile", [] { return train_on("emptydata", ""); }, 2, {"%Wemptydata.jsonl", "empty"}},
      {"DataInvalidUtf8", [] { return train_on("badutf8", kRow + "{\"prompt\": \"1+\xc3\x28\", \"answer\": \"3\"}\n"); },
       2, {"%Wbadutf8.jsonl:2", "invalid UTF-8"}},
      {"DataMissingFile", [] { return train("nodata", {"--set", "data.train=" + (W() / "nodata.jsonl")}); }, 2,
       {"%Wnodata.jsonl"}},
      {"DataPromptLongerThanTheContext",
       [] { return train_on("long", "{\"prompt\": \"" + std::string(200, '1') + "\", \"answer\": \"1\"}\n"); }, 2,
       {"%Wlong.jsonl: prompt 1 has", "leaves no room", "max_position_embeddings = 64"}},
      {"DataHundredMegabyteLine",
       [] {
         // One 100 MB row (a valid JSON string): it must be rejected cleanly, not hang or crash.
         std::string row = kRow + "{\"answer\": \"1\", \"prompt\": \"" + std::string(100u << 20, '7') + "\"}\n";
         return train_on("huge", row);
       },
       2, {"%Whuge.jsonl: prompt 2 has 104857600 tokens"}},
      // ----------------------------------------------------------------------------------- tokenizer
      {"TokenizerBrokenJson",
       [] {
         write_file(W() / "tok-broken/tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": ");
         return train("tokbroken", {"--set", "tokenizer.path=" + (W() / "tok-broken")});
       },
       2, {"%Wtok-broken"}},
      {"TokenizerWrongModelType",
       [] {
         write_file(W() / "tok-unigram/tokenizer.json", "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}");
         return train("tokunigram", {"--set", "tokenizer.path=" + (W() / "tok-unigram")});
       },
       2, {"%Wtok-unigram", "Unigram"}},
      {"TokenizerMissingFile",
       [] {
         fs::create_directories(W() / "tok-none");
         return train("toknone", {"--set", "tokenizer.path=" + (W() / "tok-none")});
       },
       2, {"%Wtok-none", "no tokenizer.json"}},
      // --------------------------------------------------------------------------------- checkpoints
      {"ModelTruncatedSafetensors",
       [] {
         auto d = damaged_model("m-trunc", [](const std::string& m) { fs::resize_file(m + "/model.safetensors", 5000); });
         return train("mtrunc", {"--set", "model.path=" + d});
       },
       2, {"%Wm-trunc/model.safetensors", "truncated"}},
      {"ModelMissingSafetensors",
       [] {
         auto d = damaged_model("m-none", [](const std::string& m) { fs::remove(m + "/model.safetensors"); });
         return train("mnone", {"--set", "model.path=" + d});
       },
       2, {"%Wm-none", "model.safetensors"}},
      {"ModelConfigShapeMismatch",
       [] {
         auto d = damaged_model("m-shape", [](const std::string& m) {
           write_file(m + "/config.json", replace(slurp(m + "/config.json"), "\"intermediate_size\": 64", "\"intermediate_size\": 96"));
         });
         return train("mshape", {"--set", "model.path=" + d, "--set", "model.intermediate_size=96"});
       },
       2, {"%Wm-shape/model.safetensors", "shape"}},
      {"ModelBrokenConfigJson",
       [] {
         auto d = damaged_model("m-cfg", [](const std::string& m) { write_file(m + "/config.json", "{\"hidden_size\": "); });
         return train("mcfg", {"--set", "model.path=" + d});
       },
       2, {"%Wm-cfg/config.json"}},
      {"ModelShapeFieldDisagreesWithConfigJson",
       [] { return train("mdisagree", {"--set", "model.path=" + W().model(), "--set", "model.hidden_size=64"}); }, 2,
       {"model.hidden_size = 64 disagrees with 32 in %Wmodel/config.json"}},
      {"ModelPathMissing", [] { return train("mmissing", {"--set", "model.path=" + (W() / "no-model")}); }, 2,
       {"%Wno-model"}},
      {"ResumeFromNowhere", [] { return train("rnowhere", {"--resume", W() / "no-run"}); }, 2,
       {"--resume %Wno-run"}},
      // ------------------------------------------------------------------------------- zerorl score
      {"ScoreBrokenJson",
       [] { return command({"score", "--reward", "accuracy"}, "{\"completion\": \"1\", \"gold\": \"1\"}\n{\"completion\": \n"); },
       2, {"stdin:2", "not valid JSON"}},
      {"ScoreMissingCompletion", [] { return command({"score", "--reward", "accuracy"}, "{\"gold\": \"1\"}\n"); }, 2,
       {"stdin:1", "\"completion\""}},
      {"ScoreInvalidUtf8", [] { return command({"score", "--reward", "format"}, "{\"completion\": \"\xff\"}\n"); }, 2,
       {"stdin:1", "invalid UTF-8"}},
      {"ScoreNegativeTokenCount",
       [] { return command({"score", "--reward", "format"}, "{\"completion\": \"x\", \"completion_tokens\": -3}\n"); },
       2, {"stdin:1", "completion_tokens", "-3"}},
      {"ScoreUnknownReward", [] { return command({"score", "--reward", "acuracy"}, "{\"completion\": \"x\"}\n"); }, 2,
       {"acuracy", "accuracy"}},
      {"ScoreUnknownRewardParam",
       [] { return command({"score", "--reward", "countdown", "--set", "rewards.countdown.format_scor=0.1"}, "{\"completion\": \"x\"}\n"); },
       2, {"rewards.countdown.format_scor", "format_score"}},
      {"ScoreMissingInputFile", [] { return command({"score", "--reward", "format", "--input", W() / "no.jsonl"}); },
       2, {"%Wno.jsonl"}},
      // ---------------------------------------------------------------------------- zerorl tokenize
      {"TokenizeMissingTokenizer", [] { return command({"tokenize", "--tokenizer", W() / "no-tok"}, "12\n"); }, 2,
       {"%Wno-tok"}},
      {"TokenizeBrokenTokenizerJson",
       [] {
         write_file(W() / "tok-broken2/tokenizer.json", "[1, 2");
         return command({"tokenize", "--tokenizer", W() / "tok-broken2"}, "12\n");
       },
       2, {"%Wtok-broken2"}},
      {"TokenizeInvalidUtf8", [] { return command({"tokenize", "--tokenizer", W().model()}, "12\n3\xff\n"); }, 2,
       {"stdin:2", "invalid UTF-8"}, 1, true},
      {"TokenizeJsonInputNotAString",
       [] { return command({"tokenize", "--tokenizer", W().model(), "--json-input"}, "\"12\"\n{\"a\": 1}\n"); }, 2,
       {"stdin:2", "not a JSON string"}, 1, true},
      // ---------------------------------------------------------------------------- zerorl generate
      {"GenerateMissingModel", [] { return command({"generate", "--model", W() / "no-model", "--prompt", "1+2"}); }, 2,
       {"--model %Wno-model: no such folder"}},
      {"GenerateTruncatedModel",
       [] {
         auto d = damaged_model("g-trunc", [](const std::string& m) { fs::resize_file(m + "/model.safetensors", 100); });
         return command({"generate", "--model", d, "--prompt", "1+2"});
       },
       2, {"%Wg-trunc/model.safetensors"}},
      {"GenerateShapeMismatch",
       [] {
         auto d = damaged_model("g-shape", [](const std::string& m) {
           write_file(m + "/config.json", replace(slurp(m + "/config.json"), "\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));
         });
         return command({"generate", "--model", d, "--prompt", "1+2"});
       },
       2, {"%Wg-shape"}},
      {"GenerateEmptyPrompt", [] { return command({"generate", "--model", W().model(), "--prompt", ""}); }, 2,
       {"prompt"}},
      {"GenerateBadSamplingSetting",
       [] { return command({"generate", "--model", W().model(), "--prompt", "1+2", "--set", "rollout.temperature=-1"}); },
       2, {"rollout.temperature", "-1"}},
  };
}

class BadInput : public testing::TestWithParam<Case> {};

TEST_P(BadInput, ExitCodeOneLineNoCrashNoRunDirectory) {
  World& w = World::get();
  ASSERT_EQ(w.error(), "");
  const Case& c = GetParam();
  const auto t0 = std::chrono::steady_clock::now();
  Invocation inv = c.make();
  auto r = run_process(inv.argv, inv.stdin_text, 120);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (seconds > 3) std::printf("  %s: %.1f s\n", c.name.c_str(), seconds);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
  EXPECT_LT(r.exit_code, 128) << r.err;
  EXPECT_EQ(count_lines(r.err), c.lines) << r.err;
  for (const char* crash : {"terminate called", "Exception raised from", "frame #", "Segmentation", "Aborted"})
    EXPECT_FALSE(has(r.err, crash)) << r.err;
  for (std::string s : c.says) {
    s = replace(s, "%W", w / "");
    EXPECT_TRUE(has(r.err, s)) << "stderr lacks \"" << s << "\":\n" << r.err;
  }
  if (c.exit_code != 0) {
    if (!c.streams) {
      EXPECT_EQ(r.out, "") << "nothing on stdout on failure";
    }
    for (size_t at = 0; at < r.err.size(); at = r.err.find('\n', at) + 1) {
      EXPECT_EQ(r.err.compare(at, 7, "error: "), 0) << "each line is one error: " << r.err;
      if (r.err.find('\n', at) == std::string::npos) break;
    }
  }
  if (!inv.run_dir.empty()) {
    EXPECT_FALSE(fs::exists(inv.run_dir)) << "a failed setup left " << inv.run_dir;
  }
  fs::remove(w / "huge.jsonl");  // 100 MB: not kept for the other cases
}

INSTANTIATE_TEST_SUITE_P(Table, BadInput, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(BadInputTable, HasAtLeastThirtyCases) { EXPECT_GE(cases().size(), 30u); }

}  // namespace
