// Process-wide switches: grad mode (thread-local), anomaly mode and thread counts.
#include <cblas.h>

#include <atomic>
#include <mutex>
#include <shared_mutex>

#include "minidl/error.hpp"
#include "minidl/grad_mode.hpp"
#include "minidl/parallel.hpp"

namespace minidl {

namespace {
thread_local bool g_grad_enabled = true;

std::atomic<bool> g_anomaly{false};
std::atomic<bool> g_anomaly_check_nan{true};
std::atomic<AnomalyMode::ContextProvider> g_anomaly_context{nullptr};

int initial_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}
// Read by every parallel loop while another Python thread may call set_num_threads.
std::atomic<int> g_num_threads{initial_threads()};

std::shared_mutex& blas_mutex() {
  static std::shared_mutex mu;
  return mu;
}
}  // namespace

bool GradMode::enabled() { return g_grad_enabled; }
void GradMode::set_enabled(bool on) { g_grad_enabled = on; }

bool AnomalyMode::enabled() { return g_anomaly.load(std::memory_order_relaxed); }
bool AnomalyMode::check_nan() { return g_anomaly_check_nan.load(std::memory_order_relaxed); }
void AnomalyMode::set_enabled(bool on, bool check_nan) {
  g_anomaly_check_nan.store(check_nan);
  g_anomaly.store(on);
}
void AnomalyMode::set_context_provider(ContextProvider f) { g_anomaly_context.store(f); }
std::string AnomalyMode::context() {
  ContextProvider f = g_anomaly_context.load();
  return f ? f() : std::string();
}

int get_num_threads() { return g_num_threads.load(std::memory_order_relaxed); }

void set_num_threads(int64_t n) {
  MINIDL_CHECK(n >= 1 && n <= kMaxThreads, ValueError, "set_num_threads: expected a number of threads from 1 to ",
               kMaxThreads, ", got ", n);
  // Exclusive: OpenBLAS frees the buffers of the threads it no longer uses, which must not
  // happen while another thread is inside a BLAS call (see BlasGuard).
  std::unique_lock<std::shared_mutex> lock(blas_mutex());
  g_num_threads.store(static_cast<int>(n));
  // BLAS calls never happen inside minidl's parallel regions, so OpenBLAS may use the
  // same number of threads without oversubscribing.
  openblas_set_num_threads(static_cast<int>(n));
}

// OpenBLAS's OpenMP build sizes its thread buffers to the calling thread's OpenMP thread
// count (omp_get_max_threads, a per-thread setting) on every call, freeing the buffers of
// threads it drops. Two Python threads with different settings would free buffers under
// each other's feet, so each BLAS call first gives its thread minidl's count, which is the
// one set_num_threads gave OpenBLAS: the buffers then change only in set_num_threads,
// under the exclusive lock.
BlasGuard::BlasGuard() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::unique_lock<std::shared_mutex> lock(blas_mutex());
    openblas_set_num_threads(g_num_threads.load());
  });
  lock_ = std::shared_lock<std::shared_mutex>(blas_mutex());
#ifdef _OPENMP
  const int n = g_num_threads.load(std::memory_order_relaxed);
  if (!omp_in_parallel() && omp_get_max_threads() != n) omp_set_num_threads(n);
#endif
}

}  // namespace minidl
