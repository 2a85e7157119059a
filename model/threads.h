#pragma once
// Compute threads of this process: LibTorch intra-op threads, inter-op threads and OpenBLAS threads.
// LibTorch's own pool and OpenBLAS's pool oversubscribe the cores when both are large.
#include <string>

namespace zerorl {

// threads = 0: all hardware cores. Sets at::set_num_threads, one inter-op thread (only the first call in a
// process can set it), and OpenBLAS threads (found with dlsym, so no link dependency). Returns a
// description for provenance.json, e.g. "torch 1, interop 1, openblas 2 (of 2 cores)".
std::string set_compute_threads(int threads);

// The split chosen for `threads`: {LibTorch intra-op threads, OpenBLAS threads}.
std::pair<int, int> thread_split(int threads);

}  // namespace zerorl
