// Internal: what every update rule shares. The checks that run before anything is written,
// state creation, step counters, and the one-pass element loop the kernels run on.
//
// The loop calls op(w, g, s1, s2, ...) with references into the parameter, its gradient and its
// state tensors. All-contiguous operands run op on xsimd batches (8 or 16 floats at a time;
// the compiler cannot vectorise sqrt by itself, as glibc's sqrt may set errno) and the tail on
// single elements; anything else walks the strides (minidl's strided loops). Both split the
// work across OpenMP threads above the grain. Nothing in here throws once a loop has started.
#pragma once
#include <array>
#include <cmath>
#include <utility>
#include <vector>

// GCC 12 warns "__Y may be used uninitialized" inside its own AVX-512 intrinsics (a known false
// positive for the _mm512_*_ps wrappers xsimd calls); silenced for those headers only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <xsimd/xsimd.hpp>
#pragma GCC diagnostic pop

#include "../ops/loops.hpp"
#include "../ops/memory_overlap.hpp"
#include "minidl/error.hpp"
#include "minidl/optim/updates.hpp"
#include "minidl/parallel.hpp"

namespace minidl::optim::detail {

// Every parameter defined, floating, not written through broadcast (stride-0) dims; every
// grad defined, of the parameter's shape and dtype; as many grads as parameters.
void check_params(const char* opt, const TensorList& params, const TensorList& grads);

// A state vector: empty (all created here) or one entry per parameter; each defined entry of
// the parameter's shape and dtype and writable. An empty vector is resized to params.size().
void check_state(const char* opt, const char* name, const TensorList& params, TensorList& states);

// Step counters (and NAdam's mu_product): one-element numeric tensors, or undefined.
void check_scalars(const char* opt, const char* name, const TensorList& params, TensorList& scalars);

// A new contiguous state tensor of p's shape and dtype, every element `value`.
Tensor new_state(const Tensor& p, double value);
// A new float32 0-d tensor holding value (PyTorch keeps 'step' and 'mu_product' so).
Tensor new_scalar(double value);
double read_scalar(const Tensor& s);
// The step count t of this update: the counter (created at 0 if undefined) goes up by one.
double next_step(Tensor& step);
void write_scalar(const Tensor& s, double value);  // bumps its version
// s *= factor in s's own precision (a float32 counter multiplies in float32, as PyTorch's does).
void scale_scalar(const Tensor& s, double factor);

// The gradient as the loop may read it: g itself, or a copy when g shares memory with the
// parameter in another layout (the loop would read values it has already updated).
inline Tensor readable_grad(const Tensor& param, const Tensor& grad) {
  return minidl::detail::readable_source(grad, param);
}

// After an update: the version counter of each written tensor goes up.
inline void bump(const Tensor& t) {
  if (t.defined()) t.storage()->bump_version();
}

// The kernels' math on one value or on a SIMD batch of values: op is a generic lambda that
// runs on both, so one formula serves the vector body, the tail and the strided path.
template <class T>
inline T root(T x) { return std::sqrt(x); }
template <class T, class A>
inline xsimd::batch<T, A> root(const xsimd::batch<T, A>& x) { return xsimd::sqrt(x); }
template <class T>
inline T max_of(T a, T b) { return a > b ? a : b; }
template <class T, class A>
inline xsimd::batch<T, A> max_of(const xsimd::batch<T, A>& a, const xsimd::batch<T, A>& b) { return xsimd::max(a, b); }

template <class T, size_t K, class Op, size_t... I>
inline void call_batch(const Op& op, const std::array<T*, K>& ptr, int64_t i, std::index_sequence<I...>) {
  using B = xsimd::batch<T>;
  std::array<B, K> v{B::load_unaligned(ptr[I] + i)...};
  op(v[I]...);
  // every operand but the gradient (operand 1) is written back
  ((I != 1 ? v[I].store_unaligned(ptr[I] + i) : void()), ...);
}

template <class T, size_t K, class Op, size_t... I>
inline void call_flat(const Op& op, const std::array<T*, K>& ptr, int64_t i, std::index_sequence<I...>) {
  op(ptr[I][i]...);
}

template <class T, size_t K, class Op, size_t... I>
inline void call_strided(const Op& op, T* const* ptr, const std::array<int64_t, K>& off,
                         const std::array<int64_t, K>& inner, int64_t j, std::index_sequence<I...>) {
  op(ptr[I][off[I] + j * inner[I]]...);
}

// op(w, g, s...) for every element, with w, g, s references to T or to xsimd batches of T
// (op writes w and s, never g); `work` ~ flops per element (scales the grain). All operands
// have the parameter's shape (checked by the caller).
template <class T, class Op, class... S>
void for_each_element(const Tensor& param, const Tensor& grad, int64_t work, const Op& op, const S&... states) {
  constexpr size_t K = 2 + sizeof...(S);
  const std::array<const Tensor*, K> ts{&param, &grad, &states...};
  std::array<T*, K> ptr;
  bool contiguous = true;
  for (size_t k = 0; k < K; ++k) {
    ptr[k] = ts[k]->template data<T>();
    contiguous = contiguous && ts[k]->is_contiguous();
  }
  const auto seq = std::make_index_sequence<K>{};
  if (contiguous) {
    const int64_t n = param.numel();
    constexpr int64_t W = static_cast<int64_t>(xsimd::batch<T>::size);
    parallel_for(n, std::max<int64_t>(W, kParallelGrain / std::max<int64_t>(work, 1)), [&](int64_t b, int64_t e) {
      const std::array<T*, K> p = ptr;
      int64_t i = b;
      for (; i + W <= e; i += W) call_batch<T, K>(op, p, i, seq);
      for (; i < e; ++i) call_flat<T, K>(op, p, i, seq);
    });
    return;
  }
  std::array<Strides, K> st;
  for (size_t k = 0; k < K; ++k) st[k] = ts[k]->strides();
  loops::strided<K>(param.shape(), st, work,
                    [&](const std::array<int64_t, K>& off, int64_t n, const std::array<int64_t, K>& inner) {
                      for (int64_t j = 0; j < n; ++j) call_strided<T, K>(op, ptr.data(), off, inner, j, seq);
                    });
}

}  // namespace minidl::optim::detail
