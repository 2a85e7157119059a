#include "model/threads.h"

#include <dlfcn.h>

#include <ATen/Parallel.h>

#include <thread>

namespace zerorl {

std::pair<int, int> thread_split(int threads) {
  const int cores = std::max(1u, std::thread::hardware_concurrency());
  const int n = threads > 0 ? threads : cores;
  // Measured with bench/model_bench (2 cores, see the report): matmuls go to OpenBLAS, which threads
  // by itself, while LibTorch's elementwise ops on the small tensors of the rollout are faster on one
  // thread than split across a pool that competes with OpenBLAS's.
  return {1, n};
}

std::string set_compute_threads(int threads) {
  const int cores = std::max(1u, std::thread::hardware_concurrency());
  auto [torch_threads, blas_threads] = thread_split(threads);
  at::set_num_threads(torch_threads);
  std::string interop = "interop unchanged";
  try {
    at::set_num_interop_threads(1);
    interop = "interop 1";
  } catch (const std::exception&) {
    // Only allowed before the first inter-op use; a second call keeps the first setting.
  }
  std::string blas = "openblas not found";
  using SetFn = void (*)(int);
  if (auto fn = reinterpret_cast<SetFn>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    fn(blas_threads);
    blas = "openblas " + std::to_string(blas_threads);
  }
  return "torch " + std::to_string(torch_threads) + ", " + interop + ", " + blas + " (of " +
         std::to_string(cores) + " cores)";
}

}  // namespace zerorl
