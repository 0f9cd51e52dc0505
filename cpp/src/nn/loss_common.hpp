// Internal: what the loss files share. Argument checks (run before any kernel, since
// nothing may throw inside an OpenMP region), a deterministic parallel sum, the
// reduction of an unreduced loss, and `pointwise_loss`, the fused elementwise kernel
// behind every loss that is a sum of per-element terms (mse, l1, huber, bce, ...).
#pragma once
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "minidl/autograd/node.hpp"
#include "minidl/nn/losses.hpp"
#include "minidl/ops/elementwise.hpp"
#include "minidl/ops/reduce.hpp"
#include "minidl/ops/shape_ops.hpp"
#include "minidl/parallel.hpp"

namespace minidl::nn::detail {

// input's dtype, which must be floating (TypeError naming the function otherwise).
DType loss_dtype(const char* fn, const Tensor& input);

// ValueError naming both shapes unless `other` has exactly input's shape.
void check_same_shape(const char* fn, const Tensor& input, const Tensor& other, const char* what = "target");

// ValueError unless `other` broadcasts to input's shape (weights, pos_weight).
void check_broadcasts_to(const char* fn, const Tensor& input, const Tensor& other, const char* what);

// ValueError for 'batchmean' outside kl_div.
void check_reduction(const char* fn, Reduction r);

// Data only (no graph), contiguous, of dtype d: what a kernel reads. A view of x when it already is.
Tensor contiguous_as(const Tensor& x, DType d);

// l reduced by ops ('none': l itself), so autograd flows through sum / mean.
Tensor reduce_loss(const Tensor& l, Reduction r);

// A SavedTensor of t, or an empty one for an absent optional tensor.
inline SavedTensor save(const Tensor& t) { return t.defined() ? SavedTensor(t) : SavedTensor(); }

// Sum of f(b, e) over fixed blocks of [0, n): the same result for any thread count.
template <class F>
double block_sum(int64_t n, int64_t work, const F& f) {
  const int64_t block = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(work, 1));
  const int64_t nb = (n + block - 1) / block;
  std::vector<double> part(static_cast<size_t>(nb), 0.0);
  parallel_for(nb, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) part[b] = f(b * block, std::min(n, (b + 1) * block));
  });
  double s = 0;
  for (double v : part) s += v;
  return s;
}

// ---- the same formula on a scalar T or an xsimd batch of T (ops with kBatch = true) ----
template <class V> struct lane { using type = V; };
template <class T, class A> struct lane<xsimd::batch<T, A>> { using type = T; };
template <class V> inline V k(double v) { return V(static_cast<typename lane<V>::type>(v)); }  // a constant
template <class T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
inline T sel(bool c, T a, T b) { return c ? a : b; }
template <class T, class A>
inline xsimd::batch<T, A> sel(const xsimd::batch_bool<T, A>& c, const xsimd::batch<T, A>& a,
                              const xsimd::batch<T, A>& b) { return xsimd::select(c, a, b); }
template <class V> inline V vmax(const V& a, const V& b) { return sel(a > b, a, b); }
template <class V> inline V vabs(const V& a) { return sel(a < k<V>(0), -a, a); }
template <class V> inline V vsign(const V& a) { return sel(a > k<V>(0), k<V>(1), sel(a < k<V>(0), k<V>(-1), k<V>(0))); }
template <class V> inline V vexp(const V& a) { using std::exp; using xsimd::exp; return exp(a); }
template <class V> inline V vlog(const V& a) { using std::log; using xsimd::log; return log(a); }
template <class V> inline V vlog1p(const V& a) { using std::log1p; using xsimd::log1p; return log1p(a); }

// Forward over [i0, i1): out[i] = l_i, or (out null) the sum of l_i.
template <class T, class Op>
double pointwise_forward(const Op& op, const T* px, const T* py, const T* pa, const T* pb, T* out, int64_t i0,
                         int64_t i1) {
  double acc = 0;
  int64_t i = i0;
  if constexpr (Op::kBatch) {
    using B = xsimd::batch<T>;
    constexpr int64_t W = B::size;
    const B one(T(1));
    alignas(64) T lanes[W];
    for (; i + W <= i1; i += W) {
      const B l = op.value(xsimd::load_unaligned(px + i), xsimd::load_unaligned(py + i),
                           pa ? xsimd::load_unaligned(pa + i) : one, pb ? xsimd::load_unaligned(pb + i) : one);
      if (out) {
        xsimd::store_unaligned(out + i, l);
      } else {
        xsimd::store_aligned(lanes, l);
        for (int64_t j = 0; j < W; ++j) acc += static_cast<double>(lanes[j]);
      }
    }
  }
  for (; i < i1; ++i) {
    const T l = op.value(px[i], py[i], pa ? pa[i] : T(1), pb ? pb[i] : T(1));
    if (out) out[i] = l;
    else acc += static_cast<double>(l);
  }
  return acc;
}

// Backward over [i0, i1): o[k][i] = g_i * dl_i/d(operand k) for the outputs that are not null;
// g_i = pg[i], or gs when pg is null.
template <class T, class Op>
void pointwise_backward(const Op& op, const T* px, const T* py, const T* pa, const T* pb, const T* pg, T gs,
                        T* const* o, int64_t i0, int64_t i1) {
  int64_t i = i0;
  if constexpr (Op::kBatch) {
    using B = xsimd::batch<T>;
    constexpr int64_t W = B::size;
    const B one(T(1)), bgs(gs);
    for (; i + W <= i1; i += W) {
      B dd[4] = {B(T(0)), B(T(0)), B(T(0)), B(T(0))};
      op.grad(xsimd::load_unaligned(px + i), xsimd::load_unaligned(py + i),
              pa ? xsimd::load_unaligned(pa + i) : one, pb ? xsimd::load_unaligned(pb + i) : one,
              dd[0], dd[1], dd[2], dd[3]);
      const B gi = pg ? xsimd::load_unaligned(pg + i) : bgs;
      for (int kk = 0; kk < 4; ++kk)
        if (o[kk]) xsimd::store_unaligned(o[kk] + i, gi * dd[kk]);
    }
  }
  for (; i < i1; ++i) {
    T dd[4] = {T(0), T(0), T(0), T(0)};
    op.grad(px[i], py[i], pa ? pa[i] : T(1), pb ? pb[i] : T(1), dd[0], dd[1], dd[2], dd[3]);
    const T gi = pg ? pg[i] : gs;
    for (int kk = 0; kk < 4; ++kk)
      if (o[kk]) o[kk][i] = gi * dd[kk];
  }
}

// Elementwise loss l_i = op.value(x_i, y_i, a_i, b_i) over x's shape, with y of x's shape and
// the optional a, b (weights) broadcast to it (an absent one reads as 1). Reduced in the same
// pass: 'none' gives l, anything else sum(l) / divisor.
// Backward, also one pass: op.grad gives the four partials dl/dx, dl/dy, dl/da, dl/db, and
// each input that needs a gradient gets g_i * partial, with g_i = g (none) or g / divisor.
// Ops with kBatch = true are written once for scalars and xsimd batches and run vectorised.
// `work` is the relative cost of one element (for the parallel grain).
template <class Op>
Tensor pointwise_loss(const char* fn, const char* node_name, const Tensor& x, const Tensor& y, const Tensor& a,
                      const Tensor& b, Reduction r, double divisor, const Op& op, int64_t work = 4) {
  const DType d = loss_dtype(fn, x);
  const Tensor xc = contiguous_as(x, d), yc = contiguous_as(y, d);
  const Tensor ac = a.defined() ? contiguous_as(expand(a.detach(), x.shape()), d) : Tensor();
  const Tensor bc = b.defined() ? contiguous_as(expand(b.detach(), x.shape()), d) : Tensor();
  const int64_t n = xc.numel();
  const int64_t grain = std::max<int64_t>(1, kParallelGrain / work);
  Tensor out = dispatch_floating(d, fn, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* px = xc.data<T>();
    const T* py = yc.data<T>();
    const T* pa = ac.defined() ? ac.data<T>() : nullptr;
    const T* pb = bc.defined() ? bc.data<T>() : nullptr;
    if (r == Reduction::None) {
      Tensor l = Tensor::empty(x.shape(), d);
      T* pl = l.data<T>();
      parallel_for(n, grain, [&](int64_t i0, int64_t i1) { pointwise_forward(op, px, py, pa, pb, pl, i0, i1); });
      return l;
    }
    const double s = block_sum(n, work, [&](int64_t i0, int64_t i1) {
      return pointwise_forward<T>(op, px, py, pa, pb, nullptr, i0, i1);
    });
    return scalar_tensor(s / divisor, d);
  });
  if (any_requires_grad({&x, &y, &a, &b}))
    record(node_name, {x, y, a, b}, out,
           [sx = save(xc), sy = save(yc), sa = save(ac), sb = save(bc), r, divisor, op, d,
            grain](const Tensor& g, const Node& node) -> Grads {
             const Tensor xv = sx.get(), yv = sy.get(), av = sa.get(), bv = sb.get();
             const Tensor gc = contiguous_as(g, d);
             Grads grads(4);
             for (size_t kk = 0; kk < 4; ++kk)
               if (node.needs_input_grad(kk)) grads[kk] = Tensor::empty(xv.shape(), d);
             dispatch_floating(d, "loss backward", [&](auto tag) {
               using T = typename decltype(tag)::type;
               const T* px = xv.data<T>();
               const T* py = yv.data<T>();
               const T* pa = av.defined() ? av.data<T>() : nullptr;
               const T* pb = bv.defined() ? bv.data<T>() : nullptr;
               const bool per_elem = r == Reduction::None;
               const T* pg = per_elem ? gc.data<T>() : nullptr;
               const T gs = per_elem ? T(0) : static_cast<T>(static_cast<double>(*gc.data<T>()) / divisor);
               T* o[4];
               for (size_t kk = 0; kk < 4; ++kk) o[kk] = grads[kk].defined() ? grads[kk].data<T>() : nullptr;
               parallel_for(xv.numel(), grain, [&](int64_t i0, int64_t i1) {
                 pointwise_backward(op, px, py, pa, pb, pg, gs, o, i0, i1);
               });
             });
             return grads;
           });
  return out;
}

}  // namespace minidl::nn::detail
