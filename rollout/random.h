#pragma once
// Counter-based random numbers for sampling: the uniform used for a token depends only on
// (request seed, sample index, token position), never on batch composition, rank count or
// thread count, so max_batch_seqs 8 and 256, or 1 rank and N ranks, sample the same tokens.
#include <cstdint>

namespace zerorl {

// One round of splitmix64 (Steele, Lea, Flood 2014): a bijective 64-bit mixer.
inline uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// A uniform double in [0, 1) with 53 random bits, keyed by (seed, sample, position).
inline double sample_uniform(uint64_t seed, uint64_t sample, uint64_t position) {
  uint64_t x = splitmix64(seed);
  x = splitmix64(x ^ (sample * 0xD1B54A32D192ED03ULL));
  x = splitmix64(x ^ (position * 0xAEF17502108EF2D9ULL + 0x632BE59BD9B4E019ULL));
  return static_cast<double>(x >> 11) * 0x1.0p-53;
}

}  // namespace zerorl
