#include "rollout/sequence_book.h"

#include <algorithm>

#include "core/error.h"
#include "model/tokenizer/tokenizer.h"
#include "model/tokenizer/utf8.h"
#include "rollout/random.h"

namespace zerorl {

SequenceBook::SequenceBook(const std::vector<GenerationRequest>& reqs, const SamplingParams& p,
                           int64_t vocab, int64_t max_positions,
                           const std::vector<std::string>* token_bytes)
    : reqs_(&reqs), params_(&p), stops_(p.stop), token_bytes_(token_bytes) {
  p.validate();
  if (!p.stop.empty() && token_bytes == nullptr)
    throw InputError("sampling: stop strings need a tokenizer to decode tokens");
  is_stop_id_.assign(vocab, 0);
  for (int32_t id : p.stop_token_ids) {
    if (id < 0 || id >= vocab)
      throw InputError("sampling: stop token id " + std::to_string(id) + " is outside the model's vocabulary [0, " +
                       std::to_string(vocab) + ")");
    is_stop_id_[id] = 1;
  }
  int64_t total = 0;
  for (size_t r = 0; r < reqs.size(); ++r) {
    const auto& q = reqs[r];
    const std::string where = "generation request " + std::to_string(r) + ": ";
    if (q.num_samples < 0) throw InputError(where + "num_samples = " + std::to_string(q.num_samples) + " must be >= 0");
    if (q.num_samples == 0) continue;
    const int64_t len = static_cast<int64_t>(q.prompt_ids.size());
    if (len == 0) throw InputError(where + "the prompt is empty (no token to condition on)");
    for (int32_t id : q.prompt_ids)
      if (id < 0 || id >= vocab)
        throw InputError(where + "prompt token id " + std::to_string(id) + " is outside the model's vocabulary [0, " +
                         std::to_string(vocab) + ")");
    if (len >= max_positions)
      throw InputError(where + "the prompt has " + std::to_string(len) + " tokens, leaving no room under "
                       "model.max_position_embeddings = " + std::to_string(max_positions) +
                       "; shorten the prompt or use a model with more positions");
    total += q.num_samples;
  }
  seqs_.reserve(total);
  for (size_t r = 0; r < reqs.size(); ++r) {
    const int64_t len = static_cast<int64_t>(reqs[r].prompt_ids.size());
    const int64_t max_new = std::min(p.max_new_tokens, max_positions - len);
    for (int64_t s = 0; s < reqs[r].num_samples; ++s) {
      Sequence q;
      q.request = static_cast<int32_t>(r);
      q.sample = static_cast<int32_t>(s);
      q.max_new = max_new;
      seqs_.push_back(std::move(q));
    }
    if (reqs[r].num_samples > 0) max_total_len_ = std::max(max_total_len_, len + max_new);
  }
}

double SequenceBook::next_uniform(int64_t i) const {
  const Sequence& q = seqs_[i];
  return sample_uniform((*reqs_)[q.request].seed, static_cast<uint64_t>(q.sample), q.tokens.size());
}

bool SequenceBook::append(int64_t i, const TokenChoice& c) {
  Sequence& q = seqs_[i];
  q.tokens.push_back(c.token);
  q.logprobs.push_back(c.logprob);
  if (is_stop_id_[c.token]) {
    q.finish = "eos";
    return true;
  }
  if (!stops_.empty()) {
    const size_t old = q.bytes.size();
    q.bytes += (*token_bytes_)[c.token];
    const size_t at = stops_.find(q.bytes, old);
    if (at != std::string::npos) {
      q.stop_at = at;
      q.finish = "stop";
      return true;
    }
  }
  if (static_cast<int64_t>(q.tokens.size()) >= q.max_new) {
    q.finish = "length";
    return true;
  }
  return false;
}

std::vector<std::vector<Sample>> SequenceBook::results(const Tokenizer* tok) const {
  std::vector<std::vector<Sample>> out(reqs_->size());
  for (size_t r = 0; r < reqs_->size(); ++r) out[r].resize(std::max<int64_t>(0, (*reqs_)[r].num_samples));
  for (const Sequence& q : seqs_) {
    Sample& s = out[q.request][q.sample];
    s.tokens = q.tokens;
    s.logprobs = q.logprobs;
    s.finish_reason = q.finish ? q.finish : "length";
    if (s.finish_reason == "stop") {
      s.text = utf8_lossy(std::string_view(q.bytes).substr(0, q.stop_at));
    } else if (tok && !tok->empty()) {
      std::vector<int32_t> ids = q.tokens;
      if (s.finish_reason == "eos" && !ids.empty()) ids.pop_back();
      s.text = tok->decode(ids);
    }
  }
  return out;
}

int64_t SequenceBook::generated_tokens() const {
  int64_t n = 0;
  for (const Sequence& q : seqs_) n += static_cast<int64_t>(q.tokens.size());
  return n;
}

std::vector<std::string> token_byte_table(const Tokenizer& tok, int64_t vocab) {
  std::vector<std::string> table(vocab);
  const int64_t known = std::min<int64_t>(vocab, tok.vocab_size());
  for (int64_t id = 0; id < known; ++id) table[id] = tok.decode_token_bytes(static_cast<int32_t>(id));
  return table;
}

}  // namespace zerorl
