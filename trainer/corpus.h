#pragma once
// The pretraining corpus of the tiny main job: worked additions written like web text, imperfect on
// purpose, so that pretraining gives a base model that RL can improve.
//
// Each document is "347+285=" + a completion + EOS, the completion in one of five formats:
//   tags         <think>7+5=12,4+8+1=13,3+2+1=6</think><answer>632</answer>   (pretrain.tag_fraction)
//   and, for the rest, in these shares (the prototype's mix):
//   scratch      7+5=12,4+8+1=13,3+2+1=6 Answer: 632                          40%
//   arrow        7+5=12,4+8+1=13,3+2+1=6 => 632                               15%
//   direct       Answer: 632                   (no work: mostly wrong when sampled)  25%
//   think        <think>7+5=12,4+8+1=13,3+2+1=6</think> Answer: 632   (almost the format) 20%
// Slips (pretrain.slip_rate of documents): one column sum is off by 1 or 2 and carried on
// consistently, so the document is wrong but self-consistent.
// Re-checks (pretrain.recheck_fraction of documents, only those with work): the writer redoes one
// column after the marker word: "4+8+1=14 wait 4+8+1=13". When the document has a slip, the slip is
// the column re-checked, and the redo corrects it; otherwise the redo confirms the value.
// With pretrain.recheck_scope: work, the writer instead redoes all the work after the marker, carefully
// (the redo never slips) and answers from it: "7+5=12,4+8+1=14,3+2+1=6 wait 7+5=12,4+8+1=13,3+2+1=6".
// The decision to re-check is drawn before, and independently of, the slip: a careful writer re-checks
// whether or not they slipped, and a re-check pays only when they did.
// pretrain.forget_carry (work scope only) is the share of documents whose first pass drops every carry,
// a hasty writer's classic mistake: "7+5=12,4+8=12,3+2=5" gives 522 (wrong whenever a column carries);
// a re-check redoes it with the carries.
#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"
#include "model/tokenizer/tokenizer.h"
#include "trainer/tasks.h"

namespace zerorl {

enum class DocFormat { Tags, Scratch, Arrow, Direct, Think };
const char* doc_format_name(DocFormat f);

struct CorpusOptions {
  int digits = 3;
  double slip_rate = 0.4;
  double tag_fraction = 0.2;
  double recheck_fraction = 0.1;
  bool recheck_work = false;  // recheck_scope: work (redo all the work) instead of one column
  double forget_carry = 0;    // share of first passes without carries (work scope)
};
CorpusOptions corpus_options(const Config& cfg);

struct CorpusDoc {
  std::string prompt;      // "347+285="
  std::string completion;  // without EOS
  DocFormat format = DocFormat::Tags;
  bool slipped = false;    // a slip was written (and corrected when rechecked)
  bool forgot_carry = false;  // the first pass drops the carries
  bool rechecked = false;  // contains the re-check marker
  bool correct = false;    // the final answer is the true sum
};

// One document for problem p, drawing format, slip and re-check from rng.
CorpusDoc make_document(const AdditionProblem& p, TaskRng& rng, const CorpusOptions& opt);

// An endless stream of documents over every problem except the held-out ones (addition_holdout),
// deterministic for a seed.
class CorpusGenerator {
 public:
  CorpusGenerator(const Config& cfg, uint64_t seed);
  CorpusDoc next();
  const CorpusOptions& options() const { return opt_; }

 private:
  CorpusOptions opt_;
  TaskRng rng_;
  ProblemSet holdout_;
};

// The characters and special tokens of the tiny task's vocabulary. The four tags are single tokens;
// a completion ends with the EOS token, which the rollout stops on (it is not part of the text).
inline constexpr const char* kTinyEos = "<eos>";
inline constexpr const char* kTinyPad = "<pad>";
std::vector<std::string> tiny_symbols();         // "0".."9", "+", "=", ",", " ", ":", ">", letters of Answer/wait
std::vector<std::string> tiny_special_tokens();  // <pad> <eos> <think> </think> <answer> </answer>

// The tiny models' character tokenizer (31 tokens: the special tokens, ids 0..5, then the symbols).
Tokenizer tiny_tokenizer();

}  // namespace zerorl
