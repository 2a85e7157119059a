// The fused decode pass's loops against double-precision references written out here, plus the row pool.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "model/cpu_kernels.h"
#include "model/thread_pool.h"

namespace zerorl {
namespace {

std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1, float hi = 1) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(gen);
  return v;
}

TEST(CpuKernels, ExpIsWithinThreeTenMillionthsRelative) {
  std::vector<float> x;
  for (double v = -87.0; v <= 88.0; v += 0.0137) x.push_back(static_cast<float>(v));
  x.push_back(0.0f);
  std::vector<float> y = x;
  cpu::exp_inplace(y.data(), static_cast<int64_t>(y.size()));
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i)
    worst = std::max(worst, std::abs(y[i] - std::exp(static_cast<double>(x[i]))) / std::exp(static_cast<double>(x[i])));
  EXPECT_LT(worst, 3e-7);
  EXPECT_EQ(y.back(), 1.0f);  // the softmax maximum maps to exactly 1
  std::vector<float> edge = {-1000.0f, 1000.0f, NAN};
  cpu::exp_inplace(edge.data(), 3);
  EXPECT_GE(edge[0], 0.0f);
  EXPECT_LT(edge[0], 1e-37f);
  EXPECT_TRUE(std::isfinite(edge[1]));
  EXPECT_GT(edge[1], 1e38f);
  EXPECT_TRUE(std::isnan(edge[2]));
}

TEST(CpuKernels, GemmMatchesDoubleLoopWithAndWithoutAccumulation) {
  const int64_t M = 5, N = 7, K = 13;
  auto x = random_floats(M * K, 1), w = random_floats(N * K, 2), y0 = random_floats(M * N, 3);
  for (float beta : {0.0f, 1.0f}) {
    std::vector<float> y = y0;
    cpu::gemm_nt(M, N, K, x.data(), w.data(), y.data(), beta);
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double s = beta * y0[i * N + j];
        for (int64_t d = 0; d < K; ++d) s += static_cast<double>(x[i * K + d]) * w[j * K + d];
        EXPECT_NEAR(y[i * N + j], s, 1e-5) << i << "," << j << " beta " << beta;
      }
  }
}

TEST(CpuKernels, RmsNormSiluAndRopeMatchTheirFormulas) {
  const int64_t n = 24;
  auto x = random_floats(2 * n, 4, -3, 3), w = random_floats(n, 5, 0.5, 1.5);
  std::vector<float> out(2 * n);
  cpu::rms_norm_rows(x.data(), w.data(), out.data(), 2, n, 1e-6f);
  for (int64_t r = 0; r < 2; ++r) {
    double ss = 0;
    for (int64_t i = 0; i < n; ++i) ss += static_cast<double>(x[r * n + i]) * x[r * n + i];
    const double inv = 1 / std::sqrt(ss / n + 1e-6);
    for (int64_t i = 0; i < n; ++i) EXPECT_NEAR(out[r * n + i], x[r * n + i] * inv * w[i], 1e-5);
  }

  auto gu = random_floats(2 * 2 * n, 6, -8, 8);
  std::vector<float> act(2 * n);
  cpu::silu_mul(gu.data(), act.data(), 2, n);
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t i = 0; i < n; ++i) {
      const double g = gu[r * 2 * n + i], u = gu[r * 2 * n + n + i];
      EXPECT_NEAR(act[r * n + i], g / (1 + std::exp(-g)) * u, 1e-5 * (1 + std::abs(g * u)));
    }

  // rotate_half: first half x1*cos - x2*sin, second half x2*cos + x1*sin (sin of the table is sign-folded).
  const int64_t D = 8;
  auto head = random_floats(D, 7), cs = random_floats(D / 2, 8), sn = random_floats(D / 2, 9);
  std::vector<float> cos_t(D), sin_t(D), rotated = head;
  for (int64_t i = 0; i < D / 2; ++i) {
    cos_t[i] = cos_t[i + D / 2] = cs[i];
    sin_t[i] = -sn[i];
    sin_t[i + D / 2] = sn[i];
  }
  cpu::rope_head(rotated.data(), cos_t.data(), sin_t.data(), D, 0.5f);
  for (int64_t i = 0; i < D / 2; ++i) {
    EXPECT_NEAR(rotated[i], 0.5 * (head[i] * cs[i] - head[i + D / 2] * sn[i]), 1e-6);
    EXPECT_NEAR(rotated[i + D / 2], 0.5 * (head[i + D / 2] * cs[i] + head[i] * sn[i]), 1e-6);
  }
}

// Head sizes that take the AVX-512 path (32, 64, 128 on CPUs that have it) and the portable one (24).
class Attend : public ::testing::TestWithParam<int64_t> {};

TEST_P(Attend, MatchesSoftmaxAttentionInDouble) {
  const int64_t D = GetParam(), R = 3, L = 37, stride = D + 8;  // rows of keys padded, as in a cache view
  auto q = random_floats(R * D, 10, -2, 2), k = random_floats(L * stride, 11, -2, 2), v = random_floats(L * stride, 12);
  const std::vector<int64_t> limit = {0, 17, 36};  // one key, some keys, every key
  std::vector<float> out(R * (D + 3), -99.0f), scratch(L);
  cpu::attend(q.data(), D, R, k.data(), v.data(), stride, D, limit.data(), out.data(), D + 3, scratch.data());
  for (int64_t r = 0; r < R; ++r) {
    std::vector<double> p(limit[r] + 1);
    double mx = -1e300, sum = 0;
    for (int64_t j = 0; j <= limit[r]; ++j) {
      double s = 0;
      for (int64_t d = 0; d < D; ++d) s += static_cast<double>(q[r * D + d]) * k[j * stride + d];
      p[j] = s;
      mx = std::max(mx, s);
    }
    for (auto& e : p) sum += (e = std::exp(e - mx));
    for (int64_t d = 0; d < D; ++d) {
      double o = 0;
      for (int64_t j = 0; j <= limit[r]; ++j) o += p[j] / sum * v[j * stride + d];
      EXPECT_NEAR(out[r * (D + 3) + d], o, 1e-5) << "row " << r << " d " << d;
    }
    for (int64_t d = D; d < D + 3 && r < R - 1; ++d) EXPECT_EQ(out[r * (D + 3) + d], -99.0f);  // stride respected
  }
}

INSTANTIATE_TEST_SUITE_P(HeadDims, Attend, ::testing::Values(24, 32, 64, 128));

TEST(RunChunks, EachChunkRunsOnceEveryTimeAndErrorsComeBack) {
  for (int chunks : {1, 2, 3, 5}) {
    for (int round = 0; round < 200; ++round) {
      std::vector<std::atomic<int>> hits(chunks);
      run_chunks(chunks, [&](int c) { hits[c].fetch_add(1); });
      for (int c = 0; c < chunks; ++c) ASSERT_EQ(hits[c].load(), 1) << chunks << " chunks, round " << round;
    }
  }
  EXPECT_THROW(run_chunks(3, [](int c) {
                 if (c == 2) throw std::runtime_error("chunk 2 failed");
               }),
               std::runtime_error);
  std::atomic<int> after{0};
  run_chunks(3, [&](int) { after.fetch_add(1); });  // the pool still works after a failure
  EXPECT_EQ(after.load(), 3);
}

}  // namespace
}  // namespace zerorl
