#include "trainer/distributed.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <torch/torch.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "core/error.h"
#include "core/log.h"

namespace zerorl {
namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

int env_int(const char* name, int fallback, int lo) {
  const char* v = env(name);
  if (!v) return fallback;
  char* end = nullptr;
  long x = std::strtol(v, &end, 10);
  if (*end != '\0' || x < lo || x > 1 << 20)
    throw InputError(std::string("environment variable ") + name + "=" + v + ": expected an integer >= " +
                     std::to_string(lo));
  return static_cast<int>(x);
}

// Bytes per all-reduce bucket: large enough to amortise latency, small enough to overlap later.
constexpr int64_t kBucketBytes = 25 << 20;

}  // namespace

RankInfo detect_ranks() {
  RankInfo r;
  if (env("RANK") || env("WORLD_SIZE")) {
    r.source = "torchrun";
    r.rank = env_int("RANK", 0, 0);
    r.world_size = env_int("WORLD_SIZE", 1, 1);
    r.local_rank = env_int("LOCAL_RANK", r.rank, 0);
    r.local_world_size = env_int("LOCAL_WORLD_SIZE", r.world_size, 1);
  } else if (env("SLURM_STEP_ID") && env("SLURM_PROCID") && env("SLURM_NTASKS")) {
    // Only inside srun: in the batch script itself these variables describe no rank.
    r.source = "slurm";
    r.rank = env_int("SLURM_PROCID", 0, 0);
    r.world_size = env_int("SLURM_NTASKS", 1, 1);
    r.local_rank = env_int("SLURM_LOCALID", 0, 0);
    int nodes = env_int("SLURM_NNODES", 1, 1);
    r.local_world_size = std::max(1, r.world_size / nodes);
  } else {
    return r;
  }
  if (r.rank >= r.world_size)
    throw InputError("rank " + std::to_string(r.rank) + " >= world size " + std::to_string(r.world_size));
  if (const char* a = env("MASTER_ADDR")) r.master_addr = a;
  r.master_port = env_int("MASTER_PORT", 29500, 1);
  if (r.master_port > 65535) throw InputError("MASTER_PORT=" + std::to_string(r.master_port) + ": not a port");
  return r;
}

int default_threads(const RankInfo& r) {
  unsigned hw = std::thread::hardware_concurrency();
  int cores = hw ? static_cast<int>(hw) : 1;
  return std::max(1, cores / std::max(1, r.local_world_size));
}

struct DistContext::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroup> pg;
  double allreduce_s = 0;

  void wait(const c10::intrusive_ptr<c10d::Work>& w) {
    try {
      w->wait();
    } catch (const std::exception& e) {
      throw RunError(std::string("data parallel: a collective failed (another rank died or timed out): ") +
                     first_line(e.what()));
    }
  }
  static std::string first_line(const std::string& s) {
    auto nl = s.find('\n');
    return nl == std::string::npos ? s : s.substr(0, nl);
  }

  // All-reduce (sum) a list of tensors in flat buckets of one dtype and device.
  void sum(std::vector<at::Tensor>& ts) {
    double t0 = now_seconds();
    size_t i = 0;
    while (i < ts.size()) {
      std::vector<at::Tensor> bucket;
      int64_t bytes = 0;
      size_t j = i;
      for (; j < ts.size(); ++j) {
        if (!bucket.empty() && (bytes + ts[j].nbytes() > kBucketBytes || ts[j].scalar_type() != ts[i].scalar_type() ||
                                ts[j].device() != ts[i].device()))
          break;
        bucket.push_back(ts[j]);
        bytes += ts[j].nbytes();
      }
      std::vector<at::Tensor> flat_parts;
      for (auto& t : bucket) flat_parts.push_back(t.reshape(-1));
      std::vector<at::Tensor> flat = {torch::cat(flat_parts)};
      wait(pg->allreduce(flat));
      int64_t off = 0;
      for (auto& t : bucket) {
        int64_t n = t.numel();
        t.copy_(flat[0].narrow(0, off, n).view_as(t));
        off += n;
      }
      i = j;
    }
    allreduce_s += now_seconds() - t0;
  }
};

DistContext::DistContext(const Config& cfg, const RankInfo& ranks) : ranks_(ranks) {
  if (ranks.world_size <= 1) return;
  impl_ = std::make_shared<Impl>();
  auto timeout = std::chrono::milliseconds(static_cast<int64_t>(cfg.dist.timeout_s * 1000));
  c10d::TCPStoreOptions opts;
  opts.port = static_cast<uint16_t>(ranks.master_port);
  opts.isServer = ranks.rank == 0;
  opts.numWorkers = ranks.world_size;
  opts.waitWorkers = true;
  opts.timeout = timeout;
  try {
    impl_->store = c10::make_intrusive<c10d::TCPStore>(ranks.master_addr, opts);
  } catch (const std::exception& e) {
    throw RunError("data parallel: rendezvous at " + ranks.master_addr + ":" + std::to_string(ranks.master_port) +
                   " failed (rank " + std::to_string(ranks.rank) + "/" + std::to_string(ranks.world_size) +
                   "): " + Impl::first_line(e.what()));
  }
  bool cuda = cfg.model.device.rfind("cuda", 0) == 0;
  Backend b = cfg.dist.backend == Backend::Auto ? (cuda ? Backend::Nccl : Backend::Gloo) : cfg.dist.backend;
  if (b == Backend::Nccl) {
#ifdef USE_C10D_NCCL
    auto o = c10d::ProcessGroupNCCL::Options::create();
    o->timeout = timeout;
    impl_->pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(impl_->store, ranks.rank, ranks.world_size, o);
#else
    throw InputError("dist.backend=nccl: this LibTorch was built without NCCL (use dist.backend=gloo)");
#endif
  } else {
    auto o = c10d::ProcessGroupGloo::Options::create(timeout);
    // Loopback for single-node runs; the hostname's interface across nodes.
    bool local = ranks.master_addr == "127.0.0.1" || ranks.master_addr == "localhost";
    o->devices.push_back(local ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                               : c10d::ProcessGroupGloo::createDefaultDevice());
    o->threads = 1;
    impl_->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, ranks.rank, ranks.world_size, o);
  }
}

DistContext::~DistContext() = default;

Dist DistContext::dist() const {
  Dist d;
  d.rank = ranks_.rank;
  d.world_size = ranks_.world_size;
  if (!impl_) return d;
  auto impl = impl_;
  d.sum_doubles = [impl](std::vector<double>& v) {
    if (v.empty()) return;
    std::vector<at::Tensor> t = {torch::tensor(v, torch::kFloat64)};
    impl->wait(impl->pg->allreduce(t));
    auto a = t[0].accessor<double, 1>();
    for (size_t i = 0; i < v.size(); ++i) v[i] = a[static_cast<int64_t>(i)];
  };
  d.sum_tensors = [impl](std::vector<at::Tensor>& ts) { impl->sum(ts); };
  return d;
}

void DistContext::broadcast_module(torch::nn::Module& m) {
  if (!impl_) return;
  torch::NoGradGuard ng;
  std::vector<at::Tensor> ts;
  for (auto& p : m.parameters()) ts.push_back(p.data());
  for (auto& b : m.buffers()) ts.push_back(b);
  for (auto& t : ts) {
    std::vector<at::Tensor> one = {t};
    c10d::BroadcastOptions o;
    o.rootRank = 0;
    impl_->wait(impl_->pg->broadcast(one, o));
  }
}

void DistContext::barrier() {
  if (!impl_) return;
  impl_->wait(impl_->pg->barrier());
}

double DistContext::allreduce_seconds() const { return impl_ ? impl_->allreduce_s : 0.0; }

}  // namespace zerorl
