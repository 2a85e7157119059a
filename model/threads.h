#pragma once
// Compute threads of this process: LibTorch intra-op threads, inter-op threads and OpenBLAS threads.
// LibTorch's own pool and OpenBLAS's pool oversubscribe the cores when both are large.
#include <string>
#include <utility>

namespace zerorl {

// threads = 0: all hardware cores. Sets at::set_num_threads, one inter-op thread (only the first call in a
// process can set it), and OpenBLAS threads (found with dlsym, so no link dependency). Returns a
// description for provenance.json, e.g. "torch 1, interop 1, openblas 2, fused decode 2 (of 2 cores)".
std::string set_compute_threads(int threads);

// Make OpenBLAS use the kernels this CPU supports (once per process; also done by set_compute_threads and
// by the Transformer constructor). On virtual CPUs with a generic model name OpenBLAS falls back to SSE3
// kernels, 4.7x slower for sgemm here. Respects OPENBLAS_CORETYPE. Returns "" or a note for provenance.
std::string ensure_fast_blas();

// The split chosen for `threads`: {LibTorch intra-op threads, OpenBLAS threads}.
std::pair<int, int> thread_split(int threads);

// Threads for work split by rows (the fused CPU decode pass): the count given to the last
// set_compute_threads call (all cores when it was 0 or never called).
int row_threads();

// While alive, OpenBLAS runs each call on its caller's thread only (so that several row chunks can call it
// at once without queueing on its pool); the previous thread count comes back on destruction.
class SingleThreadedBlas {
 public:
  explicit SingleThreadedBlas(bool active);
  ~SingleThreadedBlas();
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

 private:
  int previous_ = 0;  // 0: nothing to restore
};

}  // namespace zerorl
