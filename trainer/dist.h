#pragma once
// The rank-dependent part of training, isolated: which rank this process is, and the all-reduce hooks the
// data-parallel layer fills in. At world size 1 every hook is a no-op, so single-process code never branches.
#include <functional>
#include <vector>

namespace at { class Tensor; }

namespace zerorl {

struct Dist {
  int rank = 0;
  int world_size = 1;
  // Sum a small vector of counts over ranks, in place (token and sequence counts, metric sums).
  std::function<void(std::vector<double>&)> sum_doubles;
  // Average gradients over ranks, in place (each rank's loss is already normalised by global counts,
  // so the hook sums; the name says what it does to the tensors).
  std::function<void(std::vector<at::Tensor>&)> sum_tensors;

  bool is_main() const { return rank == 0; }
  void all_reduce_counts(std::vector<double>& v) const {
    if (world_size > 1 && sum_doubles) sum_doubles(v);
  }
  void all_reduce_grads(std::vector<at::Tensor>& grads) const {
    if (world_size > 1 && sum_tensors) sum_tensors(grads);
  }
};

}  // namespace zerorl
