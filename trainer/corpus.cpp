#include "trainer/corpus.h"

#include <algorithm>

namespace zerorl {

const char* doc_format_name(DocFormat f) {
  switch (f) {
    case DocFormat::Tags: return "tags";
    case DocFormat::Scratch: return "scratch";
    case DocFormat::Arrow: return "arrow";
    case DocFormat::Direct: return "direct";
    case DocFormat::Think: return "think";
  }
  return "?";
}

CorpusOptions corpus_options(const Config& cfg) {
  CorpusOptions o;
  o.digits = cfg.task.digits;
  o.slip_rate = cfg.pretrain.slip_rate;
  o.tag_fraction = cfg.pretrain.tag_fraction;
  o.recheck_fraction = cfg.pretrain.recheck_fraction;
  o.recheck_work = cfg.pretrain.recheck_scope == "work";
  o.forget_carry = cfg.pretrain.forget_carry;
  return o;
}

namespace {
// Shares of the non-tag formats (the prototype's mix).
struct Share {
  DocFormat format;
  double p;
};
constexpr Share kOtherFormats[] = {
    {DocFormat::Scratch, 0.40}, {DocFormat::Arrow, 0.15}, {DocFormat::Direct, 0.25}, {DocFormat::Think, 0.20}};
constexpr double kDirectShare = 0.25;

DocFormat draw_format(TaskRng& rng, double tag_fraction) {
  if (rng.chance(tag_fraction)) return DocFormat::Tags;
  double r = rng.uniform(), acc = 0;
  for (const Share& s : kOtherFormats) {
    acc += s.p;
    if (r < acc) return s.format;
  }
  return kOtherFormats[3].format;
}

// A wrong written sum within 2 of the true one (0..19, and not 0 in the top column, which would
// leave a leading zero in the answer).
int draw_slip_delta(TaskRng& rng, int true_sum, bool top) {
  std::vector<int> choices;
  for (int v = std::max(top ? 1 : 0, true_sum - 2); v <= std::min(19, true_sum + 2); ++v)
    if (v != true_sum) choices.push_back(v);
  return choices[size_t(rng.uniform_int(0, int64_t(choices.size()) - 1))] - true_sum;
}
}  // namespace

CorpusDoc make_document(const AdditionProblem& p, TaskRng& rng, const CorpusOptions& opt) {
  CorpusDoc d;
  d.prompt = addition_question(p);
  d.format = draw_format(rng, opt.tag_fraction);
  const bool has_work = d.format != DocFormat::Direct;
  // recheck_fraction is a share of all documents; only those with work can re-check.
  const double work_share = opt.tag_fraction + (1 - opt.tag_fraction) * (1 - kDirectShare);
  const double recheck_p = work_share > 0 ? std::min(1.0, opt.recheck_fraction / work_share) : 0.0;

  // Drawn only when asked for, so that a corpus without it stays the same for a seed.
  const bool forget = opt.forget_carry > 0 && has_work && rng.chance(opt.forget_carry);
  int slip_column = -1, slip_delta = 0, recheck_column = -1;
  if (rng.chance(opt.slip_rate)) {
    slip_column = int(rng.uniform_int(0, opt.digits - 1));
    // The true sum of that column depends on the carry, which the clean work gives.
    const AdditionWork clean = work_addition(p, opt.digits);
    const ColumnStep& c = clean.columns[size_t(slip_column)];
    slip_delta = draw_slip_delta(rng, c.da + c.db + (forget ? 0 : c.carry_in), slip_column == opt.digits - 1);
  }
  const bool recheck = has_work && rng.chance(recheck_p);
  if (recheck && !opt.recheck_work)
    recheck_column = slip_column >= 0 ? slip_column : int(rng.uniform_int(0, opt.digits - 1));

  const AdditionWork w = work_addition(p, opt.digits, slip_column, slip_delta, recheck_column, forget);
  std::string S = scratchpad_text(w), N = w.answer;
  if (recheck && opt.recheck_work) {  // the whole work again, without the slip, and the answer from it
    const AdditionWork redo = work_addition(p, opt.digits);
    S += std::string(" ") + kRecheckWord + " " + scratchpad_text(redo);
    N = redo.answer;
  }
  d.slipped = slip_column >= 0;
  d.forgot_carry = forget;
  d.rechecked = recheck;
  d.correct = N == addition_answer(p);
  switch (d.format) {
    case DocFormat::Tags: d.completion = "<think>" + S + "</think><answer>" + N + "</answer>"; break;
    case DocFormat::Scratch: d.completion = S + " Answer: " + N; break;
    case DocFormat::Arrow: d.completion = S + " => " + N; break;
    case DocFormat::Direct: d.completion = "Answer: " + N; break;
    case DocFormat::Think: d.completion = "<think>" + S + "</think> Answer: " + N; break;
  }
  return d;
}

CorpusGenerator::CorpusGenerator(const Config& cfg, uint64_t seed)
    : opt_(corpus_options(cfg)), rng_(mix_seed(seed, 3)) {
  for (const AdditionProblem& p : addition_holdout(cfg.task)) holdout_.insert(problem_key(p));
}

CorpusDoc CorpusGenerator::next() {
  AdditionProblem p;
  do p = sample_addition(rng_, opt_.digits);
  while (holdout_.contains(problem_key(p)));
  return make_document(p, rng_, opt_);
}

std::vector<std::string> tiny_symbols() {
  std::vector<std::string> out;
  for (char c : std::string("0123456789+=, :>Answerait")) {
    std::string s(1, c);
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  return out;
}

std::vector<std::string> tiny_special_tokens() {
  return {kTinyPad, kTinyEos, "<think>", "</think>", "<answer>", "</answer>"};
}

Tokenizer tiny_tokenizer() { return Tokenizer::characters(tiny_symbols(), tiny_special_tokens(), kTinyEos, kTinyPad); }

}  // namespace zerorl
