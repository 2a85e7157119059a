#include "model/thread_pool.h"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace zerorl {
namespace {

// Workers spin briefly before sleeping: decode passes come back to back, a few hundred microseconds
// apart, and a futex wake-up would add tens of microseconds to each.
constexpr int kSpinsBeforeSleep = 20000;

class Pool {
 public:
  void run(int chunks, const std::function<void(int)>& fn) {
    std::lock_guard<std::mutex> serial(run_mu_);
    while (static_cast<int>(threads_.size()) < chunks - 1) {
      const int index = static_cast<int>(threads_.size()) + 1;
      threads_.emplace_back([this, index] { work(index); });
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      fn_ = &fn;
      chunks_ = chunks;
      error_ = nullptr;
      pending_.store(chunks - 1);
      generation_.fetch_add(1);
    }
    wake_.notify_all();
    run_one(0);
    while (pending_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void run_one(int index) {
    try {
      (*fn_)(index);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!error_) error_ = std::current_exception();
    }
  }

  void work(int index) {
    uint64_t seen = 0;
    for (;;) {  // runs until the process exits
      uint64_t gen = generation_.load(std::memory_order_acquire);
      for (int spin = 0; gen == seen && spin < kSpinsBeforeSleep; ++spin) {
        std::this_thread::yield();
        gen = generation_.load(std::memory_order_acquire);
      }
      if (gen == seen) {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [&] { return generation_.load() != seen; });
        gen = generation_.load();
      }
      seen = gen;
      int chunks;
      {
        std::lock_guard<std::mutex> lock(mu_);
        chunks = chunks_;
      }
      if (index < chunks) {
        run_one(index);
        pending_.fetch_sub(1, std::memory_order_acq_rel);
      }
    }
  }

  std::mutex run_mu_;  // one run() at a time
  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<std::thread> threads_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  const std::function<void(int)>* fn_ = nullptr;
  int chunks_ = 0;
  std::exception_ptr error_;
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: its threads live until the process exits
  return *p;
}

}  // namespace

void run_chunks(int chunks, const std::function<void(int)>& fn) {
  if (chunks <= 1) {
    fn(0);
    return;
  }
  pool().run(chunks, fn);
}

}  // namespace zerorl
