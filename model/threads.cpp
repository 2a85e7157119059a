#include "model/threads.h"

#include <dlfcn.h>
#include <strings.h>

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <thread>

namespace zerorl {
namespace {

template <class Fn> Fn blas_symbol(const char* name) { return reinterpret_cast<Fn>(::dlsym(RTLD_DEFAULT, name)); }

bool is_one_of(const std::string& name, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (::strcasecmp(name.c_str(), n) == 0) return true;
  return false;
}

// OpenBLAS (DYNAMIC_ARCH) picks kernels from the CPU model number. On virtual CPUs that report a generic
// model ("Intel(R) Xeon(R) Processor") it falls back to Prescott (SSE3) kernels: a 1024^3 sgemm measured
// 31 GFLOP/s there instead of 146 with the SkylakeX kernels the CPU supports. Re-select from the CPU's
// features (as OPENBLAS_CORETYPE would) unless the user set OPENBLAS_CORETYPE. Returns "" or a note.
std::string fix_openblas_core() {
  if (std::getenv("OPENBLAS_CORETYPE")) return "";
  auto corename = blas_symbol<char* (*)()>("openblas_get_corename");
  auto quit = blas_symbol<void (*)()>("gotoblas_dynamic_quit");
  auto init = blas_symbol<void (*)()>("gotoblas_dynamic_init");
  if (!corename || !quit || !init) return "";
  const std::string before = corename();
  __builtin_cpu_init();  // libgcc's checks include OS support (XGETBV) for AVX and AVX-512 state
  std::string want;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) {
    if (!is_one_of(before, {"skylakex", "cooperlake", "sapphirerapids"})) want = "SkylakeX";
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    if (!is_one_of(before, {"haswell", "zen", "skylakex", "cooperlake", "sapphirerapids"})) want = "Haswell";
  }
  if (want.empty()) return "";
  ::setenv("OPENBLAS_CORETYPE", want.c_str(), 0);
  quit();
  init();
  return std::string(", openblas kernels ") + corename() + " (detected " + before + ")";
}

int hardware_cores() { return std::max(1u, std::thread::hardware_concurrency()); }

std::atomic<int> configured_threads{0};  // last set_compute_threads argument; 0: all cores

}  // namespace

std::string ensure_fast_blas() {
  static const std::string note = fix_openblas_core();  // thread-safe, once, before heavy BLAS use
  return note;
}

std::pair<int, int> thread_split(int threads) {
  const int n = threads > 0 ? threads : hardware_cores();
  // Measured with bench/model_bench (2 cores, see the report): matmuls go to OpenBLAS, which threads
  // by itself, while LibTorch's elementwise ops on the small tensors of the rollout are faster on one
  // thread than split across a pool that competes with OpenBLAS's.
  return {1, n};
}

int row_threads() {
  const int n = configured_threads.load();
  return n > 0 ? n : hardware_cores();
}

SingleThreadedBlas::SingleThreadedBlas(bool active) {
  if (!active) return;
  auto get = blas_symbol<int (*)()>("openblas_get_num_threads");
  auto set = blas_symbol<void (*)(int)>("openblas_set_num_threads");
  if (!get || !set) return;
  const int now = get();
  if (now <= 1) return;
  set(1);
  previous_ = now;
}

SingleThreadedBlas::~SingleThreadedBlas() {
  if (previous_ <= 0) return;
  if (auto set = blas_symbol<void (*)(int)>("openblas_set_num_threads")) set(previous_);
}

std::string set_compute_threads(int threads) {
  const std::string core_note = ensure_fast_blas();
  configured_threads.store(std::max(threads, 0));
  const int cores = hardware_cores();
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
  if (auto fn = blas_symbol<void (*)(int)>("openblas_set_num_threads")) {
    fn(blas_threads);
    blas = "openblas " + std::to_string(blas_threads);
  }
  return "torch " + std::to_string(torch_threads) + ", " + interop + ", " + blas + ", fused decode " +
         std::to_string(row_threads()) + " (of " + std::to_string(cores) + " cores)" + core_note;
}

}  // namespace zerorl
