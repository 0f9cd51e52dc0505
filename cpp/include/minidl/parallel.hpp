// The one place minidl decides whether a loop runs on several threads.
//
// Small loops stay serial: starting an OpenMP team costs a few microseconds, more than
// adding ten thousand floats. OpenBLAS is given the same thread count; it runs only
// outside minidl's parallel regions, so the two never oversubscribe the cores.
#pragma once
#include <algorithm>
#include <cstdint>
#include <shared_mutex>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace minidl {

// Below this many elements (scaled by work per element) a loop runs serially.
constexpr int64_t kParallelGrain = 32768;

constexpr int kMaxThreads = 1024;
int get_num_threads();
void set_num_threads(int64_t n);  // ValueError outside [1, kMaxThreads]; safe while other threads compute

// Held (shared) around every BLAS call; set_num_threads takes the lock exclusively, as OpenBLAS
// resizes its per-thread buffers then (runtime.cpp says why).
class BlasGuard {
 public:
  BlasGuard();
  BlasGuard(const BlasGuard&) = delete;
  BlasGuard& operator=(const BlasGuard&) = delete;

 private:
  std::shared_lock<std::shared_mutex> lock_;
};

// f(begin, end) over [0, n), split into contiguous chunks of at least `grain` items.
template <class F>
void parallel_for(int64_t n, int64_t grain, const F& f) {
  if (n <= 0) return;
#ifdef _OPENMP
  const int64_t max_chunks = std::max<int64_t>(1, n / std::max<int64_t>(grain, 1));
  const int threads = static_cast<int>(std::min<int64_t>(get_num_threads(), max_chunks));
  if (threads > 1 && !omp_in_parallel()) {
#pragma omp parallel num_threads(threads)
    {
      const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
      const int64_t chunk = (n + nt - 1) / nt;
      const int64_t b = t * chunk, e = std::min(n, b + chunk);
      if (b < e) f(b, e);
    }
    return;
  }
#endif
  f(0, n);
}

}  // namespace minidl
