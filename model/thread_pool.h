#pragma once
// A small persistent pool for work the caller splits into equal, independent chunks (rows of a decode
// batch). LibTorch's intra-op pool is kept at one thread (see model/threads.h): its per-op parallelism costs
// more than it gains on the rollout's small tensors, while splitting the whole forward pass by rows needs
// one hand-off per pass instead of one per op.
#include <functional>

namespace zerorl {

// Runs fn(0), ..., fn(chunks - 1) concurrently: the calling thread runs fn(0), pool threads the rest
// (created on first use and kept). Returns when all are done; the first exception thrown by a chunk is
// rethrown here. Calls from different threads are serialised. chunks <= 1 runs fn(0) inline.
void run_chunks(int chunks, const std::function<void(int)>& fn);

}  // namespace zerorl
