#include "rollout/engine.h"

#include <algorithm>
#include <cstdio>

#include "core/error.h"
#include "core/log.h"
#include "model/tokenizer/tokenizer.h"
#include "rollout/flops.h"
#include "rollout/sequence_book.h"

namespace zerorl {

namespace {

constexpr int64_t kMiB = 1 << 20;
// Prefill returns logits for every prompt position; chunk prompts so that buffer stays small.
constexpr int64_t kPrefillLogitFloats = int64_t{1} << 25;

std::string mib(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(bytes) / kMiB);
  return buf;
}

}  // namespace

Engine::Engine(Transformer model, const Tokenizer& tok, const RolloutConfig& cfg)
    : model_(std::move(model)), tok_(&tok), cfg_(cfg), dtype_(torch::kFloat32), device_(torch::kCPU) {
  dtype_ = model_->embed_weight().scalar_type();
  device_ = model_->embed_weight().device();
}

int64_t Engine::plan_slots(int64_t sequences, int64_t max_len) const {
  const ModelConfig& mc = model_->config();
  const int64_t per_seq = KVCache::bytes_needed(mc, 1, max_len, dtype_);
  const int64_t budget = cfg_.kv_cache_mb * kMiB;
  const int64_t fit = per_seq > 0 ? budget / per_seq : sequences;
  if (fit < 1)
    throw InputError("rollout.kv_cache_mb = " + std::to_string(cfg_.kv_cache_mb) + " MiB cannot hold the KV cache of one sequence of " +
                     std::to_string(max_len) + " tokens (prompt + max_new_tokens), which needs " + mib(per_seq) + " MiB (" +
                     std::to_string(mc.num_hidden_layers) + " layers x K and V x " + std::to_string(mc.num_key_value_heads) +
                     " kv heads x " + std::to_string(head_dim(mc)) + " head_dim x " + std::to_string(torch::elementSize(dtype_)) +
                     " bytes per token); raise rollout.kv_cache_mb to at least " +
                     std::to_string((per_seq + kMiB - 1) / kMiB) + " or lower rollout.max_new_tokens or the prompt length");
  return std::min({cfg_.max_batch_seqs, sequences, fit});
}

std::vector<std::vector<Sample>> Engine::generate(const std::vector<GenerationRequest>& reqs, const SamplingParams& p) {
  const double t0 = now_seconds();
  torch::InferenceMode inference;
  const ModelConfig& mc = model_->config();
  const int64_t vocab = mc.vocab_size;
  const bool decode_stops = !p.stop.empty() && !tok_->empty();
  if (decode_stops && token_bytes_.empty()) token_bytes_ = token_byte_table(*tok_, vocab);
  SequenceBook book(reqs, p, vocab, mc.max_position_embeddings, decode_stops ? &token_bytes_ : nullptr);
  stats_ = Stats{};
  const int64_t n = book.size();
  if (n > 0) {
    const int64_t max_len = book.max_total_len();
    const int64_t slots = plan_slots(n, max_len);
    // Reuse the cache when it is big enough (attention only reads the positions in use).
    const bool reuse = cache_.max_seqs() >= slots && cache_.max_len() >= max_len && cache_.bytes() <= cfg_.kv_cache_mb * kMiB;
    if (!reuse) {
      cache_ = KVCache{};
      cache_ = KVCache::allocate(mc, slots, max_len, dtype_, device_);
    }
    stats_.slots = slots;
    row_seq_.assign(slots, -1);
    cached_.assign(slots, 0);
    row_done_.assign(slots, 0);
    int64_t next = 0, active = 0;
    while (next < n || active > 0) {
      while (next < n && active < slots) {
        // Refill in batches (an eighth of the slots at least): each admission is one more prefill pass.
        const int64_t free = slots - active, waiting = n - next;
        if (active > 0 && free < std::min(waiting, std::max<int64_t>(1, slots / 8))) break;
        admit(book, p, next, active);
        active = compact(active);
      }
      if (active == 0) continue;
      decode_step(book, p, active);
      active = compact(active);
    }
  }
  stats_.generated_tokens = book.generated_tokens();
  stats_.seconds = now_seconds() - t0;
  return book.results(tok_);
}

// Moves sequences next.. into free rows active..: the first sequence of each prompt gets a row that is
// prefilled, the others get a copy of that row's cache. Samples every admitted sequence's first token.
void Engine::admit(SequenceBook& book, const SamplingParams& p, int64_t& next, int64_t& active) {
  const int64_t take = std::min<int64_t>(static_cast<int64_t>(row_seq_.size()) - active, book.size() - next);
  if (take <= 0) return;
  const int64_t vocab = model_->config().vocab_size;
  std::vector<int64_t> firsts;  // first sequence of each prompt among those admitted
  std::vector<int64_t> prompt_of(take);  // index into firsts
  for (int64_t i = next; i < next + take; ++i) {
    if (i == next || book[i].request != book[i - 1].request) firsts.push_back(i);
    prompt_of[i - next] = static_cast<int64_t>(firsts.size()) - 1;
  }
  const int64_t prompts = static_cast<int64_t>(firsts.size());
  // Rows: the prompts' first sequences at active..active+prompts-1, then the rest in order.
  std::vector<int64_t> src_rows, dst_rows;
  int64_t extra_row = active + prompts;
  for (int64_t i = next; i < next + take; ++i) {
    const int64_t j = prompt_of[i - next];
    int64_t row;
    if (firsts[j] == i) {
      row = active + j;
    } else {
      row = extra_row++;
      src_rows.push_back(active + j);
      dst_rows.push_back(row);
    }
    row_seq_[row] = i;
    cached_[row] = static_cast<int64_t>(book.prompt(i).size());
  }

  // Prefill the prompts in chunks, each on a view of its cache rows; keep the last position's logits.
  const double t0 = now_seconds();
  std::vector<float> last_logits(prompts * vocab);
  for (int64_t j0 = 0; j0 < prompts;) {
    int64_t longest = 0, j1 = j0;
    while (j1 < prompts) {
      const int64_t len = static_cast<int64_t>(book.prompt(firsts[j1]).size());
      const int64_t l = std::max(longest, len);
      if (j1 > j0 && (j1 - j0 + 1) * l * vocab > kPrefillLogitFloats) break;
      longest = l;
      ++j1;
    }
    const int64_t rows = j1 - j0;
    torch::Tensor ids = torch::zeros({rows, longest}, torch::kInt64);
    torch::Tensor last = torch::empty({rows}, torch::kInt64);
    auto* id_data = ids.data_ptr<int64_t>();
    auto* last_data = last.data_ptr<int64_t>();
    for (int64_t j = 0; j < rows; ++j) {
      const auto& prompt = book.prompt(firsts[j0 + j]);
      std::copy(prompt.begin(), prompt.end(), id_data + j * longest);
      last_data[j] = static_cast<int64_t>(prompt.size()) - 1;
      stats_.prefill_tokens += static_cast<int64_t>(prompt.size());
    }
    KVCache view;
    for (size_t l = 0; l < cache_.k.size(); ++l) {
      view.k.push_back(cache_.k[l].narrow(0, active + j0, rows));
      view.v.push_back(cache_.v[l].narrow(0, active + j0, rows));
    }
    torch::Tensor logits = model_->forward_cached(ids.to(device_), torch::zeros({rows}, torch::kInt64), view);
    stats_.model_flops += forward_flops(model_->config(), rows, longest, longest);
    torch::Tensor picked = logits.index({torch::arange(rows, logits.options().dtype(torch::kInt64)), last.to(device_)})
                               .to(torch::kCPU, torch::kFloat32)
                               .contiguous();
    std::copy(picked.data_ptr<float>(), picked.data_ptr<float>() + rows * vocab, last_logits.data() + j0 * vocab);
    j0 = j1;
  }
  copy_rows(src_rows, dst_rows);
  stats_.prefill_seconds += now_seconds() - t0;

  logit_rows_.resize(take);
  uniforms_.resize(take);
  for (int64_t i = next; i < next + take; ++i) {
    logit_rows_[i - next] = prompt_of[i - next];
    uniforms_[i - next] = book.next_uniform(i);
  }
  sample_tokens(last_logits.data(), vocab, logit_rows_, uniforms_, p, choices_);
  for (int64_t row = active; row < active + take; ++row) {
    const int64_t i = row_seq_[row];
    row_done_[row] = book.append(i, choices_[i - next]);
  }
  next += take;
  active += take;
}

// One decode step of rows 0..active-1: feed each row's last token, sample its next one.
void Engine::decode_step(SequenceBook& book, const SamplingParams& p, int64_t active) {
  const int64_t vocab = model_->config().vocab_size;
  torch::Tensor ids = torch::empty({active, 1}, torch::kInt64);
  torch::Tensor start = torch::empty({active}, torch::kInt64);
  auto* id_data = ids.data_ptr<int64_t>();
  auto* start_data = start.data_ptr<int64_t>();
  logit_rows_.resize(active);
  uniforms_.resize(active);
  int64_t keys = 0;
  for (int64_t r = 0; r < active; ++r) {
    const int64_t i = row_seq_[r];
    keys = std::max(keys, cached_[r] + 1);
    id_data[r] = book[i].tokens.back();
    start_data[r] = cached_[r];
    logit_rows_[r] = r;
    uniforms_[r] = book.next_uniform(i);
  }
  torch::Tensor logits = model_->forward_cached(ids.to(device_), start, cache_);
  stats_.model_flops += forward_flops(model_->config(), active, 1, keys);
  torch::Tensor rows = logits.select(1, 0).to(torch::kCPU, torch::kFloat32).contiguous();
  sample_tokens(rows.data_ptr<float>(), vocab, logit_rows_, uniforms_, p, choices_);
  for (int64_t r = 0; r < active; ++r) {
    ++cached_[r];
    row_done_[r] = book.append(row_seq_[r], choices_[r]);
  }
  ++stats_.decode_steps;
}

// Removes finished rows: each hole below the new count takes the cache of a live row above it.
int64_t Engine::compact(int64_t active) {
  int64_t done = 0;
  for (int64_t r = 0; r < active; ++r) done += row_done_[r];
  if (done == 0) return active;
  const int64_t remaining = active - done;
  std::vector<int64_t> holes, movers;
  for (int64_t r = 0; r < remaining; ++r)
    if (row_done_[r]) holes.push_back(r);
  for (int64_t r = remaining; r < active; ++r)
    if (!row_done_[r]) movers.push_back(r);
  for (size_t k = 0; k < holes.size(); ++k) {
    row_seq_[holes[k]] = row_seq_[movers[k]];
    cached_[holes[k]] = cached_[movers[k]];
  }
  copy_rows(movers, holes);
  std::fill(row_done_.begin(), row_done_.begin() + active, 0);
  for (int64_t r = remaining; r < active; ++r) row_seq_[r] = -1;
  return remaining;
}

void Engine::copy_rows(const std::vector<int64_t>& src, const std::vector<int64_t>& dst) {
  if (src.empty()) return;
  const auto n = static_cast<int64_t>(src.size());
  torch::Tensor s = torch::from_blob(const_cast<int64_t*>(src.data()), {n}, torch::kInt64).to(device_, /*non_blocking=*/false, /*copy=*/true);
  torch::Tensor d = torch::from_blob(const_cast<int64_t*>(dst.data()), {n}, torch::kInt64).to(device_, false, true);
  for (size_t l = 0; l < cache_.k.size(); ++l) {
    cache_.k[l].index_copy_(0, d, cache_.k[l].index_select(0, s));
    cache_.v[l].index_copy_(0, d, cache_.v[l].index_select(0, s));
  }
}

}  // namespace zerorl
