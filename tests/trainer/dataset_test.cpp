// Datasets: JSONL rows with any columns, bad rows named by file:line, the synthetic task as a dataset,
// and the epoch-shuffled prompt order.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <unistd.h>

#include "core/config.h"
#include "core/error.h"
#include "trainer/dataset.h"

namespace zerorl {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "zerorl_dataset_XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

 private:
  std::string path_;
};

Config jsonl_config(const std::string& train, const std::string& eval = "") {
  Config c;
  c.data.train = train;
  c.data.eval = eval;
  c.data.template_name = "raw";
  return c;
}

TEST(LoadData, KeepsEveryColumnOfTheRow) {
  TempDir d;
  std::string f = d.write("train.jsonl",
                          "{\"prompt\": \"What is 1+1?\", \"answer\": \"2\", \"level\": 3, \"meta\": {\"src\": [1, 2]}}\n"
                          "\n"
                          "{\"prompt\": \"Six times seven?\", \"answer\": 42, \"numbers\": [6, 7]}\n");
  DataSplits s = load_data(jsonl_config(f));
  ASSERT_EQ(s.train.size(), 2u);
  EXPECT_TRUE(s.eval.empty());
  EXPECT_EQ(s.train[0].question, "What is 1+1?");
  EXPECT_EQ(s.train[0].prompt, "What is 1+1?");
  EXPECT_EQ(s.train[0].row.at("level"), 3);
  EXPECT_EQ(s.train[0].row.at("meta").at("src"), nlohmann::json({1, 2}));
  EXPECT_EQ(s.train[1].row.at("answer"), 42);
  EXPECT_EQ(s.train[1].row.at("numbers"), nlohmann::json({6, 7}));
  EXPECT_EQ(s.skipped_rows, 0);
}

TEST(LoadData, AppliesTheTemplateAndFieldNames) {
  TempDir d;
  std::string f = d.write("t.jsonl", "{\"question\": \"What is 2+3?\", \"gold\": \"5\"}\n");
  Config c = jsonl_config(f, f);
  c.data.prompt_field = "question";
  c.data.answer_field = "gold";
  c.data.template_name = "r1zero";
  DataSplits s = load_data(c);
  ASSERT_EQ(s.train.size(), 1u);
  ASSERT_EQ(s.eval.size(), 1u);
  EXPECT_EQ(s.train[0].question, "What is 2+3?");
  const std::string& p = s.train[0].prompt;
  EXPECT_EQ(p.rfind("A conversation between User and Assistant.", 0), 0u) << p;
  EXPECT_NE(p.find("User: What is 2+3?. Assistant:"), std::string::npos) << p;
}

TEST(LoadData, EvalSizeKeepsTheFirstRows) {
  TempDir d;
  std::string rows;
  for (int i = 0; i < 10; ++i) rows += "{\"prompt\": \"q" + std::to_string(i) + "\", \"answer\": \"1\"}\n";
  std::string f = d.write("e.jsonl", rows);
  Config c = jsonl_config(f, f);
  c.data.eval_size = 3;
  DataSplits s = load_data(c);
  EXPECT_EQ(s.train.size(), 10u);
  ASSERT_EQ(s.eval.size(), 3u);
  EXPECT_EQ(s.eval[2].question, "q2");
}

struct BadRow {
  const char* name;
  std::string line;
  const char* reason;  // a fragment the message must contain
};

const std::string kGood = "{\"prompt\": \"ok\", \"answer\": \"1\"}\n";

std::vector<BadRow> bad_rows() {
  return {
      {"broken_json", "{\"prompt\": \"x\", \"answer\": ", "JSON"},
      {"not_an_object", "[1, 2, 3]", "object"},
      {"missing_prompt", "{\"question\": \"x\", \"answer\": \"1\"}", "missing field 'prompt'"},
      {"missing_answer", "{\"prompt\": \"x\"}", "missing field 'answer'"},
      {"prompt_not_string", "{\"prompt\": 12, \"answer\": \"1\"}", "must be a string"},
      {"empty_prompt", "{\"prompt\": \"\", \"answer\": \"1\"}", "empty"},
      {"answer_null", "{\"prompt\": \"x\", \"answer\": null}", "string or a number"},
      {"answer_array", "{\"prompt\": \"x\", \"answer\": [1]}", "string or a number"},
      {"invalid_utf8", "{\"prompt\": \"caf\xC3\", \"answer\": \"1\"}", "UTF-8"},
      {"huge_broken_line", "{\"prompt\": \"" + std::string(2'000'000, 'x'), "JSON"},
  };
}

TEST(LoadData, BadRowNamesFileAndLine) {
  TempDir d;
  for (const BadRow& b : bad_rows()) {
    // The bad row is line 3: a good row and a blank line come first.
    std::string f = d.write(std::string(b.name) + ".jsonl", kGood + "\n" + b.line + "\n" + kGood);
    try {
      load_data(jsonl_config(f));
      ADD_FAILURE() << b.name << ": no error";
    } catch (const InputError& e) {
      std::string msg = e.what();
      EXPECT_EQ(msg.rfind(f + ":3: ", 0), 0u) << b.name << ": " << msg;
      EXPECT_NE(msg.find(b.reason), std::string::npos) << b.name << ": " << msg;
      EXPECT_LT(msg.size(), 400u) << b.name << ": the message must not echo a huge line";
    }
  }
}

TEST(LoadData, SkipBadRowsCountsThem) {
  TempDir d;
  std::string text = kGood;
  for (const BadRow& b : bad_rows()) text += b.line + "\n";
  text += kGood;
  std::string f = d.write("mixed.jsonl", text);
  Config c = jsonl_config(f, f);
  c.data.skip_bad_rows = true;
  DataSplits s = load_data(c);
  EXPECT_EQ(s.train.size(), 2u);
  EXPECT_EQ(s.eval.size(), 2u);
  EXPECT_EQ(s.skipped_rows, 2 * long(bad_rows().size()));
}

TEST(LoadData, EmptyFileIsAnError) {
  TempDir d;
  std::string f = d.write("empty.jsonl", "");
  try {
    load_data(jsonl_config(f));
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(f + ":", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos) << e.what();
  }
  std::string all_bad = d.write("bad.jsonl", "{oops\n[1]\n");
  Config c = jsonl_config(all_bad);
  c.data.skip_bad_rows = true;
  EXPECT_THROW(load_data(c), InputError);
  EXPECT_THROW(load_data(jsonl_config(d.write("blank.jsonl", "\n  \n"))), InputError);
}

TEST(LoadData, MissingFileIsAnInputError) {
  EXPECT_THROW(load_data(jsonl_config("/nonexistent/train.jsonl")), InputError);
}

TEST(LoadData, SyntheticAdditionByDefault) {
  Config c;
  c.data.template_name = "tiny";
  c.task.eval_size = 40;
  c.task.train_size = 500;
  DataSplits s = load_data(c);
  ASSERT_EQ(s.train.size(), 500u);
  ASSERT_EQ(s.eval.size(), 40u);
  for (const Example& e : s.train) {
    int64_t a = e.row.at("a"), b = e.row.at("b");
    EXPECT_EQ(e.prompt, std::to_string(a) + "+" + std::to_string(b) + "=");
    EXPECT_EQ(e.question, e.prompt);
    EXPECT_EQ(e.row.at("answer"), std::to_string(a + b));
  }
  c.data.eval_size = 7;
  EXPECT_EQ(load_data(c).eval.size(), 7u);
}

TEST(LoadData, SyntheticTrainWithJsonlEval) {
  TempDir d;
  Config c;
  c.task.train_size = 50;
  c.data.eval = d.write("eval.jsonl", kGood + kGood + kGood);
  DataSplits s = load_data(c);
  EXPECT_EQ(s.train.size(), 50u);
  EXPECT_EQ(s.eval.size(), 3u);
}

// ---------------------------------------------------------------- sampler
TEST(PromptSampler, EachEpochIsAPermutation) {
  PromptSampler s(13, 4);
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::vector<size_t> got = s.next(13);
    EXPECT_EQ(std::set<size_t>(got.begin(), got.end()).size(), 13u);
    EXPECT_EQ(*std::max_element(got.begin(), got.end()), 12u);
  }
  EXPECT_EQ(s.epoch(), 2u);
}

TEST(PromptSampler, SameSeedSameOrderOtherSeedOther) {
  PromptSampler a(100, 1), b(100, 1), c(100, 2);
  std::vector<size_t> x = a.next(250), y = b.next(250), z = c.next(250);
  EXPECT_EQ(x, y);
  EXPECT_NE(x, z);
  // Epochs differ from each other too.
  EXPECT_NE(std::vector<size_t>(x.begin(), x.begin() + 100), std::vector<size_t>(x.begin() + 100, x.begin() + 200));
  std::vector<size_t> identity(100);
  for (size_t i = 0; i < 100; ++i) identity[i] = i;
  EXPECT_NE(std::vector<size_t>(x.begin(), x.begin() + 100), identity);
}

TEST(PromptSampler, CallSizesDoNotChangeTheOrder) {
  PromptSampler a(5, 9), b(5, 9);
  std::vector<size_t> whole = a.next(12);  // crosses two epoch boundaries
  std::vector<size_t> parts;
  for (size_t n : {3, 4, 1, 4}) {
    std::vector<size_t> p = b.next(n);
    parts.insert(parts.end(), p.begin(), p.end());
  }
  EXPECT_EQ(whole, parts);
  EXPECT_EQ(std::set<size_t>(whole.begin(), whole.begin() + 5).size(), 5u);
  EXPECT_EQ(std::set<size_t>(whole.begin() + 5, whole.begin() + 10).size(), 5u);
}

TEST(PromptSampler, RestoreContinuesExactly) {
  PromptSampler a(7, 3);
  a.next(10);
  nlohmann::json st = a.state();
  EXPECT_EQ(st.at("epoch"), 1);
  EXPECT_EQ(st.at("position"), 3);
  PromptSampler b(7, 3);
  b.restore(nlohmann::json::parse(st.dump()));  // through text, as in a checkpoint
  EXPECT_EQ(a.next(20), b.next(20));
}

TEST(PromptSampler, RestoreRejectsAnotherDatasetOrGarbage) {
  PromptSampler a(7, 3);
  nlohmann::json st = a.state();
  PromptSampler other_size(8, 3), other_seed(7, 4);
  EXPECT_THROW(other_size.restore(st), InputError);
  EXPECT_THROW(other_seed.restore(st), InputError);
  EXPECT_THROW(a.restore(nlohmann::json::parse("{\"size\": 7}")), InputError);
  EXPECT_THROW(a.restore(nlohmann::json::parse("[1, 2]")), InputError);
  EXPECT_THROW(a.restore(nlohmann::json::parse("{\"size\": 7, \"seed\": 3, \"epoch\": 0, \"position\": 9}")), InputError);
  EXPECT_THROW(a.restore(nlohmann::json::parse("{\"size\": 7, \"seed\": 3, \"epoch\": -1, \"position\": 0}")), InputError);
  EXPECT_THROW(PromptSampler(0, 1), InputError);
}

TEST(IsRecheck, DetectsTheMarker) {
  struct Case {
    const char* completion;
    bool recheck;
  };
  const Case cases[] = {
      {"<think>7+5=12,4+8+1=14 wait 4+8+1=13,3+2+1=6</think><answer>632</answer>", true},
      {"7+5=12 wait 7+5=12,4+8+1=13,3+2+1=6 Answer: 632", true},
      {"<think>7+5=12,4+8+1=13,3+2+1=6</think><answer>632</answer>", false},
      {"Answer: 632", false},
      {"", false},
      {"wai t", false},
  };
  for (const Case& c : cases) EXPECT_EQ(is_recheck(c.completion), c.recheck) << c.completion;
}

}  // namespace
}  // namespace zerorl
