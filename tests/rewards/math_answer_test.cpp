#include <gtest/gtest.h>

#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "rewards/math_answer.h"

namespace zerorl {
namespace {

struct EqCase {
  const char* pred;
  const char* gold;
  bool equal;
};

// Expected values decided by hand from the mathematics (and, for conventions, Math-Verify's).
const EqCase kEqualityCases[] = {
    // integers, decimals, signs
    {"42", "42", true},
    {"42", "43", false},
    {"-5", "-5", true},
    {"-5", "5", false},
    {"1000.0", "1000", true},
    {".5", "0.5", true},
    {"0.50", "1/2", true},
    {"3.14", "3.15", false},
    {"10000000001", "10000000000", false},
    {"123456789012", "123456789012.0", true},
    {"0.1+0.2", "0.3", true},
    // thousands separators, decimal commas
    {"7,425,000", "7425000", true},
    {"1 000", "1000", true},
    {"1,000.99", "1000.99", true},
    {"1000,99", "1000.99", true},
    {"$14{,}916$", "14916", true},
    {"$11,\\!111$", "11111", true},
    // currency and unit words
    {"$1,000.99", "1000.99", true},
    {"\\$5", "5", true},
    {"$125$ miles", "125", true},
    {"$15\\text{ cm}^2$", "15", true},
    {"12 dollars", "12", true},
    {"0.06 \\text{ yuan}", "0.06", true},
    // fractions
    {"\\frac{1}{3}", "1/3", true},
    {"\\dfrac{10}{9}", "10/9", true},
    {"\\tfrac12", "0.5", true},
    {"\\frac94\\pi", "\\frac{9}{4}\\pi", true},
    {"-\\frac{10}{9}", "-10/9", true},
    {"\\frac{2}{6}", "\\frac{1}{3}", true},
    {"\\frac{1}{3}", "0.333", false},
    {"\\frac{64}{400}", "\\frac{63}{400}", false},
    // percentages
    {"28\\%", "28", true},
    {"28 percent", "28\\%", true},
    {"0.28", "28\\%", true},
    {"29\\%", "28\\%", false},
    // roots, pi, e, powers, factorials
    {"\\sqrt{117}", "3\\sqrt{13}", true},
    {"\\sqrt3", "\\sqrt{3}", true},
    {"\\sqrt[3]{8}", "2", true},
    {"2\\pi", "\\pi+\\pi", true},
    {"\\pi", "3.14", false},
    {"e^2", "\\exp(2)", true},
    {"2^{10}", "1024", true},
    {"5!", "120", true},
    {"4!", "25", false},
    {"1.5e3", "1500", true},
    {"3 \\times 10^{4}", "30000", true},
    // degrees
    {"90^\\circ", "90", true},
    {"90^{\\circ}", "90^\\circ", true},
    // sets (unordered), tuples (ordered), intervals
    {"\\{1, 2, 3\\}", "\\{3, 2, 1\\}", true},
    {"$1, 2, 3$", "$3,1,2$", true},
    {"\\{1, 2\\}", "\\{1, 3\\}", false},
    {"(1, 2)", "(1, 2)", true},
    {"(2, 1)", "(1, 2)", false},
    {"(1, \\frac{9}{2})", "(1, 4.5)", true},
    {"[0, 1)", "[0, 1)", true},
    {"(0, 1)", "[0, 1)", false},
    {"[0, 1]", "[0, 1)", false},
    {"(-\\infty, 3]", "(-\\infty, 3]", true},
    {"(1, \\infty)", "(1, +\\infty)", true},
    {"[-1, 0) \\cup (0, 1]", "[-1,0)\\cup(0,1]", true},
    {"1 \\pm \\sqrt{2}", "\\{1+\\sqrt{2}, 1-\\sqrt{2}\\}", true},
    // matrices
    {"\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}", "\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}", true},
    {"\\begin{pmatrix}1 & 2 \\\\ 3 & 5\\end{pmatrix}", "\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}", false},
    {"\\begin{pmatrix}1 & 2\\end{pmatrix}", "\\begin{pmatrix}1 \\\\ 2\\end{pmatrix}", false},
    {"\\begin{pmatrix}0.5 \\\\ 0.25\\end{pmatrix}", "\\begin{pmatrix}\\frac12 \\\\ \\frac14\\end{pmatrix}", true},
    // symbolic expressions and equations (GiNaC, and random points for trigonometry)
    {"(x+1)^2", "x^2+2x+1", true},
    {"(x+1)^2", "x^2+x+1", false},
    {"\\sin^2 x+\\cos^2 x", "1", true},
    {"\\tan^2(y)+1", "\\sec^2(y)", true},
    {"2 \\sin b \\cos a", "\\sin(a+b) - \\sin(a-b)", true},
    {"\\frac{x}{7}+\\frac{2}{7}", "\\frac{x+2}{7}", true},
    {"x = 4", "4", true},
    {"4", "x = 4", true},
    {"y = 2x + 1", "y = 1 + 2x", true},
    {"2x+4y-3=0", "y=-\\frac{1}{2}x+\\frac{3}{4}", true},
    {"x + y = 1", "x - y = 1", false},
    {"x \\geq 5", "5 \\leq x", true},
    {"x > 5", "x < 5", false},
    {"-x > -1", "x < 1", true},
    {"a = b = 7", "7", true},
    {"f(x)", "f(y)", false},
    // text answers
    {"\\text{(C)}", "\\text{C}", true},
    {"\\text{Evelyn}", "\\text{Evelyn}", true},
    {"\\text{odd}", "odd", true},
    {"\\text{even}", "\\text{odd}", false},
    // never correct: empty, unparseable, undefined values
    {"", "0", false},
    {"   ", "0", false},
    {"1/0", "1/0", true},  // identical text is equal before any evaluation
    {"1/0", "2/0", false},
    {"0/0", "0", false},
    {"10^{10^{10}}", "10^{10^{10}}+1", false},
    {"1000!", "1000!+1", false},
    {"\\sqrt{-1}", "0", false},
    {"(((", "3", false},
    {"3", "(((", false},
};

TEST(AnswersEqual, TableOfValues) {
  for (const auto& c : kEqualityCases)
    EXPECT_EQ(answers_equal(c.pred, c.gold), c.equal) << "pred=" << c.pred << "  gold=" << c.gold;
}

TEST(AnswersEqual, GoldFormats) {
  // GSM8K solutions end in "#### N"; MATH solutions box the answer.
  EXPECT_TRUE(answers_equal("72", "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n#### 72"));
  EXPECT_TRUE(answers_equal("1000", "so 10 * 100 = 1,000\n#### 1,000"));
  EXPECT_FALSE(answers_equal("71", "... #### 72"));
  EXPECT_TRUE(answers_equal("\\frac{14}{3}", "so the sum is $\\boxed{\\frac{14}{3}}$."));
  EXPECT_TRUE(answers_equal("$\\frac{14}{3}$", "$\\frac{14}{3}$"));
}

TEST(ParseGold, ProseHasNoScoreButLatexTextDoes) {
  EXPECT_FALSE(parse_gold("forty two").has_value());
  EXPECT_FALSE(parse_gold("Answer is forty two.").has_value());
  EXPECT_FALSE(parse_gold("").has_value());
  EXPECT_TRUE(parse_gold("\\text{Evelyn}").has_value());
  EXPECT_TRUE(parse_gold("\\frac{63}{400}").has_value());
  EXPECT_TRUE(parse_gold("#### 18").has_value());
}

struct ExtractCase {
  const char* completion;
  bool require_tags;
  const char* expected;  // nullptr = no answer
};

const ExtractCase kExtractCases[] = {
    {"<think>2+2</think><answer>4</answer>", false, "4"},
    {"<think>2+2</think><answer>4</answer>", true, "4"},
    {"<answer>3</answer> then <answer>5</answer>", false, "5"},
    {"<answer> The answer is 42. </answer>", false, "42"},
    {"<answer>So \\boxed{7}</answer>", false, "$7$"},
    {"<answer></answer>", false, nullptr},
    {"<answer>  </answer>", true, nullptr},
    {"no tags, \\boxed{12}", true, nullptr},
    {"<answer>5", true, nullptr},
    {"First \\boxed{3}, then \\boxed{\\frac{1}{2}}.", false, "$\\frac{1}{2}$"},
    {"\\boxed{1} and \\boxed{2}", false, "$1, 2$"},
    {"\\fbox{9}", false, "$9$"},
    {"We get 3 apples, then 5 more, so 8 apples in total.", false, "8"},
    {"Janet has 16 - 3 - 4 = 9 eggs, so she makes 9 * 2 = $18 every day.\n#### 18", false, "18"},
    {"The final answer is $10,455$. I hope it is correct.", false, "$10,455$"},
    {"Therefore $x \\geq 5$ is the solution.", false, "$x \\geq 5$"},
    {"The probability is 2/3.", false, "2/3"},
    {"It costs -7.5 dollars", false, "-7.5"},
    {"nothing numeric here", false, nullptr},
    {"", false, nullptr},
    {"\\boxed{unclosed", false, nullptr},
};

TEST(ExtractAnswer, Table) {
  for (const auto& c : kExtractCases) {
    auto got = extract_answer(c.completion, c.require_tags);
    if (!c.expected) {
      EXPECT_FALSE(got.has_value()) << "completion=" << c.completion << " got=" << got.value_or("");
    } else {
      ASSERT_TRUE(got.has_value()) << "completion=" << c.completion;
      EXPECT_EQ(*got, c.expected) << "completion=" << c.completion;
    }
  }
}

// Real GSM8K gold answers: each "#### N" read back from a boxed completion is right, N+1 wrong.
TEST(AnswersEqual, EveryGsm8kTestAnswerRoundTrips) {
  std::ifstream f(ZERORL_SHARED_DATA "/gsm8k_test.jsonl");
  ASSERT_TRUE(f.good());
  std::string line;
  int rows = 0, right = 0, wrong_rejected = 0;
  while (std::getline(f, line)) {
    auto r = nlohmann::json::parse(line);
    std::string gold = r["answer"];
    std::string n = gold.substr(gold.rfind("####") + 4);
    n.erase(std::remove(n.begin(), n.end(), ','), n.end());
    n.erase(std::remove(n.begin(), n.end(), ' '), n.end());
    double v = std::stod(n);
    ++rows;
    auto pred = extract_answer("Let me think.\nThe answer is \\boxed{" + n + "}.", false);
    right += pred && answers_equal(*pred, gold);
    char other[64];
    std::snprintf(other, sizeof(other), "%.10g", v + 1);
    wrong_rejected += !answers_equal(other, gold);
  }
  EXPECT_EQ(rows, 1319);
  EXPECT_EQ(right, rows);
  EXPECT_EQ(wrong_rejected, rows);
}

// MATH-500: the boxed answer of each reference solution against the `answer` field (both
// written by humans, in different LaTeX); prints the agreement.
TEST(AnswersEqual, Math500SolutionsAgreeWithTheirAnswers) {
  std::ifstream f(ZERORL_SHARED_DATA "/math500_test.jsonl");
  ASSERT_TRUE(f.good());
  std::string line;
  int rows = 0, agree = 0;
  while (std::getline(f, line)) {
    auto r = nlohmann::json::parse(line);
    auto pred = extract_answer(r["solution"].get<std::string>(), false);
    ++rows;
    bool ok = pred && answers_equal(*pred, r["answer"].get<std::string>());
    agree += ok;
    if (!ok && std::getenv("ZERORL_VERBOSE"))
      std::cout << "  math500 miss: " << r["answer"].get<std::string>() << " | " << pred.value_or("<none>") << "\n";
  }
  std::cout << "MATH-500 solution vs answer agreement: " << agree << "/" << rows << "\n";
  EXPECT_EQ(rows, 500);
  EXPECT_GE(agree, 475);
}

}  // namespace
}  // namespace zerorl

namespace zerorl {
namespace {

ExprPtr parsed(const char* s) {
  auto e = parse_math(s);
  EXPECT_TRUE(e.has_value()) << s;
  return e ? *e : make_num(0, "0");
}

// The algebra goes through GiNaC; trigonometry and oversized powers are left to the numeric check.
TEST(Ginac, ProvesPolynomialIdentitiesOnly) {
  EXPECT_EQ(ginac_equal(*parsed("(x+1)^2"), *parsed("x^2+2x+1")), std::optional<bool>(true));
  EXPECT_EQ(ginac_equal(*parsed("\\frac{x^2-1}{x-1}"), *parsed("x+1")), std::optional<bool>(true));
  EXPECT_FALSE(ginac_equal(*parsed("(x+1)^2"), *parsed("x^2+1")).has_value());
  EXPECT_FALSE(ginac_equal(*parsed("\\sin^2 x+\\cos^2 x"), *parsed("1")).has_value());  // GiNaC cannot tell
  EXPECT_FALSE(ginac_equal(*parsed("(x+1)^{1000}"), *parsed("(x+1)^{1000}")).has_value());  // refused: too big
  auto r = ginac_ratio(*parsed("2x+4y-6"), *parsed("x+2y-3"));
  ASSERT_TRUE(r.has_value());
  EXPECT_DOUBLE_EQ(*r, 2.0);
  EXPECT_FALSE(ginac_ratio(*parsed("x+1"), *parsed("x-1")).has_value());
}

TEST(ParseMath, DepthAndSizeAreBounded) {
  EXPECT_FALSE(parse_math(std::string(100, '(') + "1" + std::string(100, ')')).has_value());
  EXPECT_FALSE(parse_math(std::string(999, '{') + "1" + std::string(999, '}')).has_value());
  EXPECT_TRUE(parse_math(std::string(40, '(') + "1" + std::string(40, ')')).has_value());
  EXPECT_FALSE(parse_math(std::string(kMaxAnswerChars + 1, '1')).has_value());
  EXPECT_EQ(to_string(*parsed("\\frac{1}{2}x")), "(* 1 (^ 2 -1) x)");
  EXPECT_EQ(to_string(*parsed("[0, 1)")), "(bracket:[) 0 1)");
  EXPECT_EQ(to_string(*parsed("1{,}000 + 2,5")), "(list (+ 1000 2) 5)");  // LaTeX: the comma separates
  EXPECT_EQ(to_string(*parsed("2,5")), "2.5");                            // plain text: a decimal comma
}

}  // namespace
}  // namespace zerorl
