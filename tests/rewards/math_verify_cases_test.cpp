// Agreement with Math-Verify's own test cases (../shared/data/math_verify_cases.jsonl). Both
// strings go through the same extraction, as upstream. Where upstream asserts a policy we do not
// share, the case counts as a disagreement; see the list at the end of this file.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "rewards/math_answer.h"

namespace zerorl {
namespace {

struct Tally {
  int total = 0, agree = 0, plain_total = 0, plain_agree = 0;
  std::vector<std::string> misses;
};

// Plain-number cases: Math-Verify calls them numeric, the gold is an integer or a decimal, and
// neither side is a long text (thousands separators, decimal commas, currency and units stay in).
bool plain_number_case(const nlohmann::json& r) {
  if (r["comparison_hint"] != "numeric") return false;
  std::string cat = r["category"];
  if (cat != "integer" && cat != "decimal") return false;
  for (auto& t : r["tags"])
    if (t == "long_text") return false;
  return true;
}

Tally run_cases() {
  Tally t;
  std::ifstream f(ZERORL_SHARED_DATA "/math_verify_cases.jsonl");
  EXPECT_TRUE(f.good()) << "missing " ZERORL_SHARED_DATA "/math_verify_cases.jsonl";
  std::string line;
  while (std::getline(f, line)) {
    auto r = nlohmann::json::parse(line);
    CompareOptions opts;
    const auto& o = r["options"];
    if (o.contains("precision")) opts.precision = o["precision"];
    if (o.contains("float_rounding")) opts.precision = o["float_rounding"];
    auto pred = extract_answer(r["pred"].get<std::string>(), false);
    bool ours = pred && answers_equal(*pred, r["gold"].get<std::string>(), opts);
    bool agree = ours == r["equal"].get<bool>();
    ++t.total;
    t.agree += agree;
    if (plain_number_case(r)) {
      ++t.plain_total;
      t.plain_agree += agree;
    }
    if (!agree) t.misses.push_back(r["source"].get<std::string>());
  }
  return t;
}

TEST(MathVerifyCases, AgreementAtLeast90PercentAnd100OnPlainNumbers) {
  Tally t = run_cases();
  ASSERT_EQ(t.total, 274);
  double overall = 100.0 * t.agree / t.total;
  std::cout << "Math-Verify agreement: " << t.agree << "/" << t.total << " = " << overall << "%; plain numbers "
            << t.plain_agree << "/" << t.plain_total << "\n";
  for (auto& m : t.misses) std::cout << "  disagree: " << m << "\n";
  EXPECT_GE(overall, 90.0);
  EXPECT_GT(t.plain_total, 30);
  EXPECT_EQ(t.plain_agree, t.plain_total);
}

// Known disagreements (measured: 265/274 agree):
// - test_latex_notation_math[3,4], test_math_extraction_edge_cases[5]: degenerate model outputs
//   (a looping note, a box split across '$') where upstream's extraction finds the answer elsewhere.
// - test_set_rel_assymetry[3]: upstream says "x in [-2,7]" != "-2 <= x <= 7" for one argument
//   order only; we treat the double inequality as the interval both ways.
// - test_numina_cases[3,9,24]: |z| inequalities as unions, "p=5,q=2;p=7,q=2" as tuples, and
//   "W(x)=1orW(x)=-1" without spaces: not supported.
// - test_strict[1]: strict=False (variable renaming) is not an option of ours.
// - test_yujianll[5]: \sum is not parsed. test_yujianll[9]: upstream asserts 1-1/e == 1+1/e
//   (marked false in the data README); we say not equal.

}  // namespace
}  // namespace zerorl
