#include "trainer/advantages.h"

#include <stdexcept>
#include <string>

namespace zerorl {

namespace {
// Bessel-corrected std along dim 1 of [P,G]; 0 for a group of one (torch would give NaN).
torch::Tensor unbiased_std(const torch::Tensor& x /*[P,G]*/) {
  if (x.size(1) < 2) return torch::zeros({x.size(0)}, x.options());
  return x.std(/*dim=*/1, /*unbiased=*/true);
}
}  // namespace

Advantages group_advantages(const torch::Tensor& rewards, int64_t group_size, ScaleRewards scale, double eps,
                            double batch_std) {
  TORCH_CHECK(rewards.dim() == 1, "rewards must be [P*G], got ", rewards.sizes());
  TORCH_CHECK(group_size >= 1 && rewards.size(0) % group_size == 0, "rewards of size ", rewards.size(0),
              " do not split into groups of ", group_size);
  auto r = rewards.to(torch::kFloat64);
  const int64_t groups = r.size(0) / group_size;
  auto grouped = r.view({groups, group_size});                  // [P,G]
  auto mean = grouped.mean(1, /*keepdim=*/true);                // [P,1]
  Advantages out;
  out.group_std = unbiased_std(grouped);                        // [P]
  auto centered = grouped - mean;                               // [P,G]
  switch (scale) {
    case ScaleRewards::Group: centered = centered / (out.group_std.unsqueeze(1) + eps); break;
    case ScaleRewards::Batch: {
      auto std = batch_std >= 0 ? torch::full({}, batch_std, r.options())
                 : r.size(0) > 1    ? r.std(0, true)
                                    : torch::zeros({}, r.options());
      centered = centered / (std + eps);
      break;
    }
    case ScaleRewards::None: break;
  }
  out.values = centered.reshape({-1}).to(torch::kFloat32);
  auto stds = out.group_std.accessor<double, 1>();
  int64_t zero = 0;
  for (int64_t g = 0; g < groups; ++g) {
    bool z = std::abs(stds[g]) <= 1e-8;  // torch.isclose(std, 0) in TRL
    out.zero_std.push_back(z);
    zero += z;
  }
  out.frac_zero_std = groups ? double(zero) / double(groups) : 0.0;
  return out;
}

std::vector<int64_t> groups_with_signal(const std::vector<bool>& zero_std) {
  std::vector<int64_t> keep;
  for (size_t g = 0; g < zero_std.size(); ++g)
    if (!zero_std[g]) keep.push_back(int64_t(g));
  return keep;
}

}  // namespace zerorl
