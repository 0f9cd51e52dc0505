// Internal: the strided, broadcasting loops every elementwise kernel runs on.
//
// A kernel supplies what happens to one element; these loops supply where the elements
// are. Fast path: everything contiguous -> one flat loop the compiler vectorises. General
// path: walk the output's multi-index, running the innermost dim as a strided loop.
// Both split the work across OpenMP threads above kParallelGrain elements.
// Nothing in here may throw: an exception inside an OpenMP region aborts the process,
// so kernels validate everything before they get here.
#pragma once
#include <array>
#include <vector>

#include "minidl/parallel.hpp"
#include "minidl/tensor.hpp"

namespace minidl::loops {

// Merge dims that are contiguous with each other in every operand, drop size-1 dims.
template <size_t K>
void coalesce(Shape& shape, std::array<Strides, K>& st) {
  Shape s2;
  std::array<Strides, K> st2;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!s2.empty()) {
      bool mergeable = true;
      for (size_t k = 0; k < K; ++k) mergeable &= st2[k].back() == st[k][d] * shape[d];
      if (mergeable) {
        s2.back() *= shape[d];
        for (size_t k = 0; k < K; ++k) st2[k].back() = st[k][d];
        continue;
      }
    }
    s2.push_back(shape[d]);
    for (size_t k = 0; k < K; ++k) st2[k].push_back(st[k][d]);
  }
  shape = std::move(s2);
  st = std::move(st2);
}

// body(offsets, n, inner_strides): process n elements starting at offsets[k] of operand k,
// stepping inner_strides[k]. Operands are described by strides over `shape`.
template <size_t K, class Body>
void strided(Shape shape, std::array<Strides, K> st, int64_t work_per_elem, const Body& body) {
  const int64_t total = numel_of(shape);
  if (total == 0) return;
  coalesce(shape, st);
  const int64_t nd = static_cast<int64_t>(shape.size());
  if (nd == 0) {
    std::array<int64_t, K> off{}, inner{};
    body(off, 1, inner);
    return;
  }
  const int64_t inner_n = shape[nd - 1];
  const int64_t rows = total / inner_n;
  std::array<int64_t, K> inner_st;
  for (size_t k = 0; k < K; ++k) inner_st[k] = st[k][nd - 1];
  const int64_t grain = std::max<int64_t>(1, kParallelGrain / (inner_n * std::max<int64_t>(work_per_elem, 1)));

  parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    std::vector<int64_t> idx(nd > 1 ? nd - 1 : 1, 0);
    std::array<int64_t, K> off{};
    int64_t r = r0;
    for (int64_t d = nd - 2; d >= 0; --d) {
      idx[d] = r % shape[d];
      r /= shape[d];
      for (size_t k = 0; k < K; ++k) off[k] += idx[d] * st[k][d];
    }
    for (int64_t row = r0; row < r1; ++row) {
      body(off, inner_n, inner_st);
      for (int64_t d = nd - 2; d >= 0; --d) {  // odometer step over the outer dims
        ++idx[d];
        for (size_t k = 0; k < K; ++k) off[k] += st[k][d];
        if (idx[d] < shape[d]) break;
        for (size_t k = 0; k < K; ++k) off[k] -= st[k][d] * shape[d];
        idx[d] = 0;
      }
    }
  });
}

inline bool all_unit(const int64_t* s, size_t k) {
  for (size_t i = 0; i < k; ++i)
    if (s[i] != 1) return false;
  return true;
}

// out[i] = f(a[i]); `out` has the full shape, `a` is broadcast to it.
template <class O, class A, class F>
void unary(const Tensor& out, const Tensor& a, const F& f, int64_t work = 1) {
  O* po = out.data<O>();
  const A* pa = a.data<A>();
  const int64_t n = out.numel();
  if (out.is_contiguous() && a.is_contiguous() && a.numel() == n) {
    parallel_for(n, kParallelGrain / work, [&](int64_t b, int64_t e) {
      O* o = po;
      const A* x = pa;
      const F fn = f;
      for (int64_t i = b; i < e; ++i) o[i] = fn(x[i]);
    });
    return;
  }
  std::array<Strides, 2> st{out.strides(), broadcast_strides(a.shape(), a.strides(), out.shape())};
  strided<2>(out.shape(), st, work, [&](const std::array<int64_t, 2>& off, int64_t m, const std::array<int64_t, 2>& s) {
    O* o = po + off[0];
    const A* x = pa + off[1];
    if (all_unit(s.data(), 2))
      for (int64_t i = 0; i < m; ++i) o[i] = f(x[i]);
    else
      for (int64_t i = 0; i < m; ++i) o[i * s[0]] = f(x[i * s[1]]);
  });
}

// out[i] = f(a[i], b[i]) with a and b broadcast to out's shape.
template <class O, class A, class B, class F>
void binary(const Tensor& out, const Tensor& a, const Tensor& b, const F& f, int64_t work = 1) {
  O* po = out.data<O>();
  const A* pa = a.data<A>();
  const B* pb = b.data<B>();
  const int64_t n = out.numel();
  if (out.is_contiguous() && a.is_contiguous() && a.numel() == n) {
    if (b.is_contiguous() && b.numel() == n) {
      parallel_for(n, kParallelGrain / work, [&](int64_t s, int64_t e) {
        // locals, not the captured references: otherwise the compiler reloads the pointers
        // and the functor's state (e.g. add_'s alpha) every element and does not vectorise
        O* o = po;
        const A* x = pa;
        const B* y = pb;
        const F fn = f;
        for (int64_t i = s; i < e; ++i) o[i] = fn(x[i], y[i]);
      });
      return;
    }
    if (b.numel() == 1) {  // tensor op scalar
      const B sb = *pb;
      parallel_for(n, kParallelGrain / work, [&](int64_t s, int64_t e) {
        O* o = po;
        const A* x = pa;
        const F fn = f;
        for (int64_t i = s; i < e; ++i) o[i] = fn(x[i], sb);
      });
      return;
    }
  }
  std::array<Strides, 3> st{out.strides(), broadcast_strides(a.shape(), a.strides(), out.shape()),
                            broadcast_strides(b.shape(), b.strides(), out.shape())};
  strided<3>(out.shape(), st, work, [&](const std::array<int64_t, 3>& off, int64_t m, const std::array<int64_t, 3>& s) {
    O* o = po + off[0];
    const A* x = pa + off[1];
    const B* y = pb + off[2];
    if (all_unit(s.data(), 3))
      for (int64_t i = 0; i < m; ++i) o[i] = f(x[i], y[i]);
    else
      for (int64_t i = 0; i < m; ++i) o[i * s[0]] = f(x[i * s[1]], y[i * s[2]]);
  });
}

// out[i] = f(a[i], b[i], c[i]) (where, clamp-like ops).
template <class O, class A, class B, class C, class F>
void ternary(const Tensor& out, const Tensor& a, const Tensor& b, const Tensor& c, const F& f) {
  O* po = out.data<O>();
  const A* pa = a.data<A>();
  const B* pb = b.data<B>();
  const C* pc = c.data<C>();
  std::array<Strides, 4> st{out.strides(), broadcast_strides(a.shape(), a.strides(), out.shape()),
                            broadcast_strides(b.shape(), b.strides(), out.shape()),
                            broadcast_strides(c.shape(), c.strides(), out.shape())};
  strided<4>(out.shape(), st, 1, [&](const std::array<int64_t, 4>& off, int64_t m, const std::array<int64_t, 4>& s) {
    for (int64_t i = 0; i < m; ++i)
      po[off[0] + i * s[0]] = f(pa[off[1] + i * s[1]], pb[off[2] + i * s[2]], pc[off[3] + i * s[3]]);
  });
}

}  // namespace minidl::loops
