#include "rollout/uncached.h"

#include <algorithm>

#include "model/tokenizer/tokenizer.h"
#include "rollout/sequence_book.h"

namespace zerorl {

std::vector<std::vector<Sample>> generate_uncached(Transformer& model, const Tokenizer* tok,
                                                   const std::vector<GenerationRequest>& reqs,
                                                   const SamplingParams& p) {
  torch::InferenceMode inference;
  const ModelConfig& mc = model->config();
  const int64_t vocab = mc.vocab_size;
  std::vector<std::string> token_bytes;
  const bool decode_stops = !p.stop.empty() && tok && !tok->empty();
  if (decode_stops) token_bytes = token_byte_table(*tok, vocab);
  SequenceBook book(reqs, p, vocab, mc.max_position_embeddings, decode_stops ? &token_bytes : nullptr);
  const torch::Device device = model->embed_weight().device();

  std::vector<int64_t> active(book.size());
  for (int64_t i = 0; i < book.size(); ++i) active[i] = i;
  std::vector<int64_t> rows;
  std::vector<double> uniforms;
  std::vector<TokenChoice> choices;
  while (!active.empty()) {
    const auto n = static_cast<int64_t>(active.size());
    int64_t longest = 0;
    for (int64_t i : active)
      longest = std::max<int64_t>(longest, book.prompt(i).size() + book[i].tokens.size());
    torch::Tensor ids = torch::zeros({n, longest}, torch::kInt64);
    torch::Tensor mask = torch::zeros({n, longest}, torch::kInt64);
    torch::Tensor last = torch::empty({n}, torch::kInt64);
    auto* id_data = ids.data_ptr<int64_t>();
    auto* mask_data = mask.data_ptr<int64_t>();
    rows.resize(n);
    uniforms.resize(n);
    for (int64_t r = 0; r < n; ++r) {
      const auto& prompt = book.prompt(active[r]);
      const auto& tokens = book[active[r]].tokens;
      int64_t* row = id_data + r * longest;
      std::copy(prompt.begin(), prompt.end(), row);
      std::copy(tokens.begin(), tokens.end(), row + prompt.size());
      const auto len = static_cast<int64_t>(prompt.size() + tokens.size());
      std::fill(mask_data + r * longest, mask_data + r * longest + len, 1);
      last.data_ptr<int64_t>()[r] = len - 1;
      rows[r] = r;
      uniforms[r] = book.next_uniform(active[r]);
    }
    torch::Tensor logits = model->forward(ids.to(device), mask.to(device));
    torch::Tensor picked = logits.index({torch::arange(n, torch::TensorOptions(torch::kInt64).device(device)), last.to(device)})
                               .to(torch::kCPU, torch::kFloat32)
                               .contiguous();
    sample_tokens(picked.data_ptr<float>(), vocab, rows, uniforms, p, choices);
    std::vector<int64_t> still;
    for (int64_t r = 0; r < n; ++r)
      if (!book.append(active[r], choices[r])) still.push_back(active[r]);
    active.swap(still);
  }
  return book.results(tok);
}

}  // namespace zerorl
