// The pretraining corpus: format, slip and re-check shares, and that its documents mean what they say,
// checked with a strict parser written here (the rule of the main job's accuracy + format rewards).
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <string>

#include "core/config.h"
#include "trainer/corpus.h"
#include "trainer/tasks.h"

namespace zerorl {
namespace {

Config corpus_config() {
  Config c;
  c.task.digits = 3;
  c.pretrain.slip_rate = 0.4;
  c.pretrain.tag_fraction = 0.2;
  c.pretrain.recheck_fraction = 0.1;
  return c;
}

// The strict rule: "<think>...</think><answer>N</answer>" and nothing else; N == a + b.
bool strict_correct(const std::string& completion, int64_t truth) {
  static const std::regex re("^<think>([^<>]*)</think><answer>([0-9]+)</answer>$");
  std::smatch m;
  return std::regex_match(completion, m, re) && m[2].str() == std::to_string(truth);
}

// a and b read back from the prompt "347+285=".
std::pair<int64_t, int64_t> operands(const std::string& prompt) {
  size_t plus = prompt.find('+');
  return {std::stoll(prompt.substr(0, plus)), std::stoll(prompt.substr(plus + 1, prompt.size() - plus - 2))};
}

// Count of column equations "x+y(+c)=s" in a completion that are false arithmetic.
int false_equations(const std::string& completion) {
  static const std::regex col("([0-9])\\+([0-9])(\\+([0-9]))?=([0-9]+)");
  int bad = 0;
  for (auto it = std::sregex_iterator(completion.begin(), completion.end(), col); it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    int sum = std::stoi(m[1]) + std::stoi(m[2]) + (m[4].matched ? std::stoi(m[4]) : 0);
    if (sum != std::stoi(m[5])) ++bad;
  }
  return bad;
}

TEST(Corpus, SharesMatchTheOptions) {
  CorpusGenerator gen(corpus_config(), 1);
  const int n = 20000;
  std::map<DocFormat, int> formats;
  int slipped = 0, rechecked = 0, correct = 0;
  for (int i = 0; i < n; ++i) {
    CorpusDoc d = gen.next();
    ++formats[d.format];
    slipped += d.slipped;
    rechecked += d.rechecked;
    correct += d.correct;
  }
  // Binomial standard error at n = 20000 is at most 0.0035; tolerances are about 4 of them.
  EXPECT_NEAR(formats[DocFormat::Tags] / double(n), 0.20, 0.015);
  EXPECT_NEAR(formats[DocFormat::Scratch] / double(n), 0.8 * 0.40, 0.015);
  EXPECT_NEAR(formats[DocFormat::Arrow] / double(n), 0.8 * 0.15, 0.015);
  EXPECT_NEAR(formats[DocFormat::Direct] / double(n), 0.8 * 0.25, 0.015);
  EXPECT_NEAR(formats[DocFormat::Think] / double(n), 0.8 * 0.20, 0.015);
  EXPECT_NEAR(slipped / double(n), 0.40, 0.015);
  EXPECT_NEAR(rechecked / double(n), 0.10, 0.015);
  // Wrong documents are slipped and not re-checked: 0.4 * (1 - 0.1) = 0.36.
  EXPECT_NEAR(correct / double(n), 0.64, 0.015);
}

TEST(Corpus, DocumentsMeanWhatTheirFlagsSay) {
  CorpusGenerator gen(corpus_config(), 2);
  int tag_clean = 0;
  for (int i = 0; i < 5000; ++i) {
    CorpusDoc d = gen.next();
    auto [a, b] = operands(d.prompt);
    ASSERT_EQ(d.prompt, std::to_string(a) + "+" + std::to_string(b) + "=");
    const bool has_marker = d.completion.find(" wait ") != std::string::npos;
    EXPECT_EQ(has_marker, d.rechecked) << d.completion;
    // A slip leaves one false equation; a re-check that corrects it keeps the false one and adds a true redo.
    if (d.format != DocFormat::Direct) {
      EXPECT_EQ(false_equations(d.completion), d.slipped ? 1 : 0) << d.completion;
    }
    // The answer after the last space or '>' tag content is the sum exactly when the document is correct.
    std::smatch m;
    ASSERT_TRUE(std::regex_search(d.completion, m, std::regex("([0-9]+)(</answer>)?$"))) << d.completion;
    EXPECT_EQ(m[1].str() == std::to_string(a + b), d.correct) << d.completion;
    if (d.format == DocFormat::Tags) {
      EXPECT_EQ(strict_correct(d.completion, a + b), d.correct) << d.completion;
      if (d.correct) ++tag_clean;
    } else {
      EXPECT_FALSE(strict_correct(d.completion, a + b)) << d.completion;
    }
  }
  EXPECT_GT(tag_clean, 500);
}

TEST(Corpus, FormatsAreTheDocumentedOnes) {
  // Problem 347+285 with no slip: each format's exact text.
  CorpusOptions opt;
  opt.slip_rate = 0;
  opt.recheck_fraction = 0;
  std::set<std::string> seen;
  TaskRng rng(3);
  for (int i = 0; i < 400; ++i) seen.insert(make_document({347, 285}, rng, opt).completion);
  EXPECT_EQ(seen, (std::set<std::string>{
                      "<think>7+5=12,4+8+1=13,3+2+1=6</think><answer>632</answer>",
                      "7+5=12,4+8+1=13,3+2+1=6 Answer: 632",
                      "7+5=12,4+8+1=13,3+2+1=6 => 632",
                      "Answer: 632",
                      "<think>7+5=12,4+8+1=13,3+2+1=6</think> Answer: 632",
                  }));
}

// recheck_scope: work. The writer decides to re-check independently of the slip, redoes every column
// after " wait " without a slip, and answers from the redo: every re-checked document is correct.
TEST(Corpus, WorkRecheckRedoesAllTheWorkCarefully) {
  Config c = corpus_config();
  c.pretrain.slip_rate = 0.6;
  c.pretrain.recheck_fraction = 0.3;
  c.pretrain.recheck_scope = "work";
  CorpusGenerator gen(c, 6);
  const int n = 20000;
  int rechecked = 0, slipped = 0, slipped_and_rechecked = 0, correct = 0;
  static const std::regex work("[0-9+=,]+");
  for (int i = 0; i < n; ++i) {
    CorpusDoc d = gen.next();
    auto [a, b] = operands(d.prompt);
    rechecked += d.rechecked;
    slipped += d.slipped;
    slipped_and_rechecked += d.slipped && d.rechecked;
    correct += d.correct;
    const size_t w = d.completion.find(" wait ");
    ASSERT_EQ(w != std::string::npos, d.rechecked) << d.completion;
    if (!d.rechecked) continue;
    ASSERT_TRUE(d.correct) << d.completion;
    ASSERT_EQ(d.completion.find(" wait ", w + 1), std::string::npos) << d.completion;
    // Before the marker: the first pass (one false equation when slipped); after it: a full true redo.
    const std::string first = d.completion.substr(0, w), redo = d.completion.substr(w + 6);
    EXPECT_EQ(false_equations(first), d.slipped ? 1 : 0) << d.completion;
    EXPECT_EQ(false_equations(redo), 0) << d.completion;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(redo, m, work)) << d.completion;
    const AdditionWork clean = work_addition({a, b}, 3);
    EXPECT_EQ(m[0].str(), scratchpad_text(clean)) << d.completion;
    if (d.format == DocFormat::Tags) {
      EXPECT_TRUE(strict_correct(d.completion, a + b)) << d.completion;
    }
  }
  // 30% of all documents re-check (only the 80% with work can): 0.3 of n. Slips are drawn independently.
  EXPECT_NEAR(rechecked / double(n), 0.30, 0.015);
  EXPECT_NEAR(slipped / double(n), 0.60, 0.015);
  EXPECT_NEAR(slipped_and_rechecked / double(n), 0.30 * 0.60, 0.015);
  // Wrong documents: slipped and not re-checked, 0.6 - 0.18 = 0.42.
  EXPECT_NEAR(correct / double(n), 0.58, 0.015);
}

// forget_carry: the hasty first pass sums each column without its carry; only the top column's own
// carry reaches the answer. The exact texts for 347+285 (carries from both lower columns) and 900+200.
TEST(Corpus, ForgottenCarriesAndTheirRecheck) {
  CorpusOptions opt;
  opt.slip_rate = 0;
  opt.tag_fraction = 1;
  opt.recheck_work = true;
  opt.forget_carry = 1;
  opt.recheck_fraction = 0;
  TaskRng rng(7);
  EXPECT_EQ(make_document({347, 285}, rng, opt).completion, "<think>7+5=12,4+8=12,3+2=5</think><answer>522</answer>");
  EXPECT_EQ(make_document({900, 200}, rng, opt).completion, "<think>0+0=0,0+0=0,9+2=11</think><answer>1100</answer>");
  opt.recheck_fraction = 1;
  EXPECT_EQ(make_document({347, 285}, rng, opt).completion,
            "<think>7+5=12,4+8=12,3+2=5 wait 7+5=12,4+8+1=13,3+2+1=6</think><answer>632</answer>");

  // Over the corpus: a first pass without carries answers digit by digit, (a_i + b_i) mod 10, with the
  // top column written whole; re-checked documents are right.
  Config c = corpus_config();
  c.pretrain.slip_rate = 0;
  c.pretrain.recheck_scope = "work";
  c.pretrain.forget_carry = 0.5;
  CorpusGenerator gen(c, 8);
  int forgot = 0, with_work = 0, hasty = 0, hasty_wrong = 0;
  for (int i = 0; i < 20000; ++i) {
    CorpusDoc d = gen.next();
    if (d.format == DocFormat::Direct) continue;
    ++with_work;
    auto [a, b] = operands(d.prompt);
    static const std::regex with_carry("[0-9]\\+[0-9]\\+1="), last_number("([0-9]+)(</answer>)?$");
    const bool carry_text = std::regex_search(d.completion.substr(0, d.completion.find(" wait ")), with_carry);
    if (!d.forgot_carry) continue;
    ++forgot;
    ASSERT_FALSE(carry_text) << d.completion;
    if (d.rechecked) {
      EXPECT_TRUE(d.correct) << d.completion;
      continue;
    }
    const int64_t sum = (a % 10 + b % 10) % 10 + 10 * ((a / 10 % 10 + b / 10 % 10) % 10) + 100 * (a / 100 + b / 100);
    std::smatch m;
    ASSERT_TRUE(std::regex_search(d.completion, m, last_number)) << d.completion;
    EXPECT_EQ(m[1].str(), std::to_string(sum)) << d.completion;
    EXPECT_EQ(d.correct, sum == a + b) << d.completion;
    ++hasty;
    hasty_wrong += !d.correct;
  }
  EXPECT_NEAR(forgot / double(with_work), 0.5, 0.02);
  // P(some carry out of the two lower columns) for uniform 3-digit operands: 1 - P(none) where the units
  // carry with probability 45/100 and the tens likewise: 1 - 0.55^2 = 0.6975 (of documents not re-checked).
  EXPECT_NEAR(hasty_wrong / double(hasty), 0.6975, 0.025);
}

TEST(Corpus, NeverContainsHeldOutProblems) {
  Config c = corpus_config();
  std::set<std::string> held;
  for (const AdditionProblem& p : addition_holdout(c.task)) held.insert(addition_question(p));
  CorpusGenerator gen(c, 4);
  // 1000 of 810,000 problems are held out: 20,000 unfiltered draws would meet about 25 of them.
  for (int i = 0; i < 20000; ++i) ASSERT_EQ(held.count(gen.next().prompt), 0u);
}

TEST(Corpus, SameSeedSameDocumentsOtherSeedOthers) {
  CorpusGenerator a(corpus_config(), 9), b(corpus_config(), 9), c(corpus_config(), 10);
  int same_as_other_seed = 0;
  for (int i = 0; i < 100; ++i) {
    CorpusDoc x = a.next(), y = b.next(), z = c.next();
    EXPECT_EQ(x.prompt + x.completion, y.prompt + y.completion);
    same_as_other_seed += x.prompt == z.prompt;
  }
  EXPECT_LT(same_as_other_seed, 3);
}

TEST(Corpus, EveryCharacterIsInTheTinyVocabulary) {
  std::set<char> symbols;
  for (const std::string& s : tiny_symbols()) {
    ASSERT_EQ(s.size(), 1u);
    symbols.insert(s[0]);
  }
  EXPECT_EQ(symbols.size(), tiny_symbols().size());  // no duplicates
  CorpusGenerator gen(corpus_config(), 5);
  for (int i = 0; i < 2000; ++i) {
    CorpusDoc d = gen.next();
    std::string text = d.prompt + d.completion;
    for (const std::string& tag : tiny_special_tokens())
      for (size_t p; (p = text.find(tag)) != std::string::npos;) text.erase(p, tag.size());
    for (char ch : text) ASSERT_EQ(symbols.count(ch), 1u) << "'" << ch << "' in " << d.completion;
  }
}

}  // namespace
}  // namespace zerorl
