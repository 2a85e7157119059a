#pragma once
// Data parallel over torch c10d: rank discovery (torchrun or Slurm variables), TCPStore rendezvous,
// a Gloo (CPU) or NCCL (CUDA) process group, and the hooks of Dist (trainer/dist.h) filled with
// bucketed all-reduces. LibTorch stays out of this header.
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "trainer/dist.h"

namespace torch { namespace nn { class Module; } }

namespace zerorl {

struct RankInfo {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  int local_world_size = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string source = "single";  // single | torchrun | slurm
};

// From RANK/WORLD_SIZE/LOCAL_RANK/MASTER_ADDR/MASTER_PORT (torchrun), else from SLURM_PROCID/SLURM_NTASKS/
// SLURM_LOCALID when SLURM_STEP_ID is set (inside srun), else a single process. Bad values -> InputError.
RankInfo detect_ranks();

// Threads per rank when run.threads is 0: the node's cores divided by the ranks on the node (at least 1).
int default_threads(const RankInfo& r);

class DistContext {
 public:
  // Rendezvous (timeout dist.timeout_s) and the process group. At world size 1 nothing is created.
  DistContext(const Config& cfg, const RankInfo& ranks);
  ~DistContext();
  DistContext(const DistContext&) = delete;
  DistContext& operator=(const DistContext&) = delete;

  // The trainer's view: rank, world size, and the all-reduce hooks.
  Dist dist() const;
  // Parameters and buffers from rank 0 to every rank.
  void broadcast_module(torch::nn::Module& m);
  void barrier();
  const RankInfo& ranks() const { return ranks_; }
  double allreduce_seconds() const;  // time spent in gradient all-reduce, summed since start

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  RankInfo ranks_;
};

}  // namespace zerorl
