// Process-wide switches: grad mode (thread-local) and thread counts.
#include <cblas.h>

#include "minidl/error.hpp"
#include "minidl/grad_mode.hpp"
#include "minidl/parallel.hpp"

namespace minidl {

namespace {
thread_local bool g_grad_enabled = true;

int initial_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}
int g_num_threads = initial_threads();
}  // namespace

bool GradMode::enabled() { return g_grad_enabled; }
void GradMode::set_enabled(bool on) { g_grad_enabled = on; }

int get_num_threads() { return g_num_threads; }

void set_num_threads(int n) {
  MINIDL_CHECK(n >= 1, ValueError, "set_num_threads: expected a positive number of threads, got ", n);
  g_num_threads = n;
  // BLAS calls never happen inside minidl's parallel regions, so OpenBLAS may use the
  // same number of threads without oversubscribing.
  openblas_set_num_threads(n);
}

}  // namespace minidl
