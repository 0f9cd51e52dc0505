// Internal: loops over a contiguous (N, C, S) block, the layout of the channel-wise ops
// (batch_norm, prelu): element i = (n*C + c)*S + s belongs to channel c. An (N, C) input is
// the case S = 1, where the loops run along rows so the inner loop over c is contiguous.
// Nothing in here may throw (OpenMP regions): callers validate first.
#pragma once
#include <algorithm>
#include <cstdint>

#include "minidl/parallel.hpp"

namespace minidl::nn::chan {

// f(c, i) for every element, spread over threads. `work`: cost of one element (1 = an add).
template <class F>
void for_each_in_channels(int64_t N, int64_t C, int64_t S, int64_t work, const F& f) {
  if (S == 1) {
    parallel_for(N, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, C * work)), [&](int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; ++n)
        for (int64_t c = 0; c < C; ++c) f(c, n * C + c);
    });
  } else {
    const int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, S * work));
    parallel_for(N * C, grain, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t c = r % C, base = r * S;
        for (int64_t s = 0; s < S; ++s) f(c, base + s);
      }
    });
  }
}

// Two sums per channel, in double: f(c, i, a, b) adds element i's terms into a and b, and
// sa[c], sb[c] receive the totals. Each channel is summed in a fixed order (threads split the
// channels, never a channel's elements), so results do not depend on the thread count.
template <class F>
void channel_sums(int64_t N, int64_t C, int64_t S, double* sa, double* sb, const F& f) {
  if (S == 1) {
    constexpr int64_t kBlock = 64;  // channels per task: a block of each row, accumulators in L1
    const int64_t blocks = (C + kBlock - 1) / kBlock;
    const int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, N * kBlock));
    parallel_for(blocks, grain, [&](int64_t b0, int64_t b1) {
      for (int64_t blk = b0; blk < b1; ++blk) {
        const int64_t c0 = blk * kBlock, nc = std::min(kBlock, C - c0);
        double a[kBlock] = {}, b[kBlock] = {};
        for (int64_t n = 0; n < N; ++n) {
          const int64_t base = n * C + c0;
          for (int64_t j = 0; j < nc; ++j) f(c0 + j, base + j, a[j], b[j]);
        }
        std::copy(a, a + nc, sa + c0);
        std::copy(b, b + nc, sb + c0);
      }
    });
  } else {
    parallel_for(C, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, N * S)), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        constexpr int L = 8;  // independent lanes: the additions of one channel overlap
        double la[L] = {}, lb[L] = {};
        for (int64_t n = 0; n < N; ++n) {
          const int64_t base = (n * C + c) * S;
          int64_t s = 0;
          for (; s + L <= S; s += L)
            for (int k = 0; k < L; ++k) f(c, base + s + k, la[k], lb[k]);
          for (; s < S; ++s) f(c, base + s, la[0], lb[0]);
        }
        double a = 0, b = 0;
        for (int k = 0; k < L; ++k) a += la[k], b += lb[k];
        sa[c] = a;
        sb[c] = b;
      }
    });
  }
}

}  // namespace minidl::nn::chan
