#pragma once
// Reference generation without a KV cache, for tests and for the benchmark's no-cache figure.
#include <vector>

#include "model/transformer.h"
#include "rollout/generation.h"
#include "rollout/sampling.h"

namespace zerorl {

class Tokenizer;

// Every step runs each active sequence's whole text (prompt and completion so far) through
// Transformer::forward, all of them in one right-padded batch. Same sampling and random streams as
// Engine, so the two agree token for token. tok may be null when p.stop is empty (text is then empty).
std::vector<std::vector<Sample>> generate_uncached(Transformer& model, const Tokenizer* tok,
                                                   const std::vector<GenerationRequest>& reqs,
                                                   const SamplingParams& p);

}  // namespace zerorl
