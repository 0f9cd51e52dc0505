// Margin and distance losses: multi_margin_loss (the multi-class hinge), triplet_margin_loss
// (composed from ops over PyTorch's pairwise_distance) and the notes' contrastive loss.
// multi_margin and contrastive are fused kernels over rows, parallel for large N.
#include <cmath>

#include "loss_common.hpp"

namespace minidl::nn {

using detail::check_reduction;
using detail::check_same_shape;
using detail::contiguous_as;
using detail::save;

namespace {

// Rows of a (D,) or (N, D) tensor: N (1 for a 1-D tensor) and D.
void rows_of(const char* fn, const char* what, const Tensor& x, int64_t& N, int64_t& D) {
  MINIDL_CHECK(x.dim() == 1 || x.dim() == 2, ValueError, fn, ": ", what, " must be 1-D (D,) or 2-D (N, D), got shape ",
               shape_str(x.shape()));
  N = x.dim() == 2 ? x.shape()[0] : 1;
  D = x.shape()[x.dim() - 1];
}

Shape sample_shape(const Tensor& x) { return x.dim() == 2 ? Shape{x.shape()[0]} : Shape{}; }

int64_t row_grain(int64_t D) { return std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(2 * D, 1)); }

// Per-row losses `l` reduced: 'none' l, 'sum' its sum, 'mean' its sum / N.
Tensor finish_rows(const Tensor& l, Reduction r) {
  if (r == Reduction::None) return l;
  const double s = dispatch_floating(l.dtype(), "loss", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* p = l.data<T>();
    double a = 0;
    for (int64_t i = 0; i < l.numel(); ++i) a += static_cast<double>(p[i]);
    return a;
  });
  return scalar_tensor(r == Reduction::Mean ? s / static_cast<double>(l.numel()) : s, l.dtype());
}

template <class T>
T row_grad(const T* g, T scalar, int64_t n) { return g ? g[n] : scalar; }

}  // namespace

// Multi-class hinge (PyTorch's MultiMarginLoss), per sample with target y and h_i = margin - x_y + x_i:
//   l = (w_y / C) sum_{i != y} max(0, h_i)^p                    (p = 1 or 2)
//   dl/dx_i = (w_y / C) p max(0, h_i)^(p-1)  (i != y, h_i > 0),   dl/dx_y = -sum_{i != y} dl/dx_i
// 'mean' divides by N (the weights only scale each sample).
Tensor multi_margin_loss(const Tensor& input, const Tensor& target, int64_t p, double margin, const Tensor& weight,
                         Reduction r) {
  const char* fn = "multi_margin_loss";
  const DType d = detail::loss_dtype(fn, input);
  check_reduction(fn, r);
  MINIDL_CHECK(p == 1 || p == 2, ValueError, fn, ": only p == 1 and p == 2 are supported, got p=", p);
  int64_t N, C;
  rows_of(fn, "input", input, N, C);
  MINIDL_CHECK(target.defined() && target.dtype() == DType::Int64, TypeError, fn,
               ": target must hold int64 class indices");
  MINIDL_CHECK(target.shape() == sample_shape(input), ValueError, fn, ": expected target of shape ",
               shape_str(sample_shape(input)), " for input of shape ", shape_str(input.shape()), ", got ",
               shape_str(target.shape()));
  if (weight.defined())
    MINIDL_CHECK(weight.dim() == 1 && weight.shape()[0] == C, ValueError, fn, ": weight must have shape [", C,
                 "] (one value per class), got ", shape_str(weight.shape()));
  const Tensor xc = contiguous_as(input, d), tc = contiguous_as(target, DType::Int64);
  const Tensor wc = weight.defined() ? contiguous_as(weight, d) : Tensor();
  const int64_t* t = tc.data<int64_t>();
  for (int64_t n = 0; n < N; ++n)
    if (t[n] < 0 || t[n] >= C)
      throw IndexError(str(fn, ": target class index ", t[n], " (sample ", n, ") is out of range for ", C,
                           " classes; valid indices are 0 to ", C - 1));
  Tensor loss = Tensor::empty(sample_shape(input), d);
  dispatch_floating(d, fn, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = xc.data<T>();
    const T* w = wc.defined() ? wc.data<T>() : nullptr;
    T* pl = loss.data<T>();
    const T mg = static_cast<T>(margin);
    parallel_for(N, row_grain(C), [&](int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; ++n) {
        const T* xr = x + n * C;
        const int64_t y = t[n];
        double l = 0;
        for (int64_t i = 0; i < C; ++i) {
          const T h = mg - xr[y] + xr[i];
          if (i != y && h > 0) l += p == 1 ? h : h * h;
        }
        pl[n] = static_cast<T>(l * (w ? w[y] : T(1)) / C);
      }
    });
  });
  Tensor out = finish_rows(loss, r);
  if (any_requires_grad({&input}))
    record("MultiMarginLossBackward0", {input}, out,
           [sx = save(xc), st = save(tc), sw = save(wc), r, p, margin, N, C, d](const Tensor& g, const Node&) -> Grads {
             const Tensor xv = sx.get(), tv = st.get(), wv = sw.get();
             const Tensor gc = contiguous_as(g, d);
             Tensor dx = Tensor::empty(xv.shape(), d);
             dispatch_floating(d, "multi_margin_loss backward", [&](auto tag) {
               using T = typename decltype(tag)::type;
               const T* x = xv.data<T>();
               const int64_t* t = tv.data<int64_t>();
               const T* w = wv.defined() ? wv.data<T>() : nullptr;
               T* pd = dx.data<T>();
               const T* pg = r == Reduction::None ? gc.data<T>() : nullptr;
               const T gs = pg ? T(0) : *gc.data<T>() / static_cast<T>(r == Reduction::Mean ? N : 1);
               const T mg = static_cast<T>(margin);
               parallel_for(N, row_grain(C), [&](int64_t n0, int64_t n1) {
                 for (int64_t n = n0; n < n1; ++n) {
                   const T* xr = x + n * C;
                   T* dr = pd + n * C;
                   const int64_t y = t[n];
                   const T coef = row_grad(pg, gs, n) * (w ? w[y] : T(1)) / static_cast<T>(C);
                   T total = 0;
                   for (int64_t i = 0; i < C; ++i) {
                     const T h = mg - xr[y] + xr[i];
                     const T gi = (i != y && h > 0) ? coef * (p == 1 ? T(1) : 2 * h) : T(0);
                     dr[i] = gi;
                     total += gi;
                   }
                   dr[y] = -total;
                 }
               });
             });
             return {dx};
           });
  return out;
}

// ||x1 - x2 + eps||_p over the last dim, composed from ops (autograd through them):
//   p = 2: sqrt(sum(diff^2)), p = 1: sum(|diff|), else (sum |diff|^p)^(1/p)
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p, double eps, bool keepdim) {
  MINIDL_CHECK(p > 0, ValueError, "pairwise_distance: p must be positive, got ", p);
  const Tensor diff = add(sub(x1, x2), scalar_like(eps, true, false, x1));
  MINIDL_CHECK(diff.dim() >= 1, ValueError, "pairwise_distance: inputs must have at least 1 dimension");
  if (p == 2) return sqrt(sum(mul(diff, diff), {-1}, keepdim));
  if (p == 1) return sum(abs(diff), {-1}, keepdim);
  const Tensor s = sum(pow(abs(diff), scalar_like(p, true, false, diff)), {-1}, keepdim);
  return pow(s, scalar_like(1.0 / p, true, false, s));
}

// l = max(0, d(a, p) - d(a, n) + margin)  (note 004 eq. 29), d = pairwise_distance;
// swap: d(a, n) is replaced by min(d(a, n), d(p, n)). Gradients through the composed ops.
Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative, double margin,
                           double p, double eps, bool swap, Reduction r) {
  const char* fn = "triplet_margin_loss";
  detail::loss_dtype(fn, anchor);
  check_reduction(fn, r);
  int64_t N, D;
  rows_of(fn, "anchor", anchor, N, D);
  check_same_shape(fn, anchor, positive, "positive");
  check_same_shape(fn, anchor, negative, "negative");
  MINIDL_CHECK(p > 0, ValueError, fn, ": p must be positive, got ", p);
  const Tensor d_ap = pairwise_distance(anchor, positive, p, eps, false);
  Tensor d_an = pairwise_distance(anchor, negative, p, eps, false);
  if (swap) d_an = minimum(d_an, pairwise_distance(positive, negative, p, eps, false));
  const Tensor l = clamp(add(sub(d_ap, d_an), scalar_like(margin, true, false, d_ap)), 0.0, std::nullopt);
  return detail::reduce_loss(l, r);
}

// Contrastive loss of note 004 eq. (28), per pair with d = ||x1 - x2||_2, s = d^2, h = max(0, margin - d):
//   l = y s / 2 + (1 - y) h^2 / 2          (y = 1: similar pair, y = 0: dissimilar pair)
//   dl/dx1 = y (x1 - x2) - (1 - y) (h / d) (x1 - x2)   (0 for the second term at d = 0),  dl/dx2 = -dl/dx1
//   dl/dy = s / 2 - h^2 / 2
Tensor contrastive_loss(const Tensor& x1, const Tensor& x2, const Tensor& label, double margin, Reduction r) {
  const char* fn = "contrastive_loss";
  const DType d = detail::loss_dtype(fn, x1);
  check_reduction(fn, r);
  int64_t N, D;
  rows_of(fn, "x1", x1, N, D);
  check_same_shape(fn, x1, x2, "x2");
  MINIDL_CHECK(label.defined() && label.shape() == sample_shape(x1), ValueError, fn,
               ": expected label of shape ", shape_str(sample_shape(x1)), " (one per pair) for inputs of shape ",
               shape_str(x1.shape()), ", got ", label.defined() ? shape_str(label.shape()) : std::string("None"));
  const Tensor ac = contiguous_as(x1, d), bc = contiguous_as(x2, d), yc = contiguous_as(label, d);
  Tensor loss = Tensor::empty(sample_shape(x1), d);
  // each pair's squared distance s, kept for the backward pass (which then needs no second sweep)
  Tensor sq = Tensor::empty({N}, DType::Float64);
  dispatch_floating(d, fn, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* y = yc.data<T>();
    for (int64_t n = 0; n < N; ++n)
      MINIDL_CHECK(y[n] >= 0 && y[n] <= 1, ValueError, fn, ": label ", n, " is ", y[n],
                   "; labels must be 1 (similar pair) or 0 (dissimilar pair), or a soft label in between");
    const T* a = ac.data<T>();
    const T* b = bc.data<T>();
    T* pl = loss.data<T>();
    double* ps = sq.data<double>();
    parallel_for(N, row_grain(D), [&](int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; ++n) {
        double s = 0;
        for (int64_t j = 0; j < D; ++j) {
          const double df = static_cast<double>(a[n * D + j]) - b[n * D + j];
          s += df * df;
        }
        ps[n] = s;
        const double h = std::max(0.0, margin - std::sqrt(s));
        pl[n] = static_cast<T>(0.5 * (y[n] * s + (1 - y[n]) * h * h));
      }
    });
  });
  Tensor out = finish_rows(loss, r);
  if (any_requires_grad({&x1, &x2, &label}))
    record("ContrastiveLossBackward0", {x1, x2, label}, out,
           [sa = save(ac), sb = save(bc), sy = save(yc), ss = save(sq), r, margin, N, D, d](const Tensor& g, const Node& node)
               -> Grads {
             const Tensor av = sa.get(), bv = sb.get(), yv = sy.get(), sv = ss.get();
             const Tensor gc = contiguous_as(g, d);
             Grads grads(3);
             for (size_t k = 0; k < 2; ++k)
               if (node.needs_input_grad(k)) grads[k] = Tensor::empty(av.shape(), d);
             if (node.needs_input_grad(2)) grads[2] = Tensor::empty(yv.shape(), d);
             dispatch_floating(d, "contrastive_loss backward", [&](auto tag) {
               using T = typename decltype(tag)::type;
               const T* a = av.data<T>();
               const T* b = bv.data<T>();
               const T* y = yv.data<T>();
               const double* ps = sv.data<double>();
               const T* pg = r == Reduction::None ? gc.data<T>() : nullptr;
               const T gs = pg ? T(0) : *gc.data<T>() / static_cast<T>(r == Reduction::Mean ? N : 1);
               T* d1 = grads[0].defined() ? grads[0].data<T>() : nullptr;
               T* d2 = grads[1].defined() ? grads[1].data<T>() : nullptr;
               T* dy = grads[2].defined() ? grads[2].data<T>() : nullptr;
               parallel_for(N, row_grain(D), [&](int64_t n0, int64_t n1) {
                 for (int64_t n = n0; n < n1; ++n) {
                   const double s = ps[n];
                   const double dist = std::sqrt(s), h = std::max(0.0, margin - dist);
                   const double gn = row_grad(pg, gs, n);
                   const double k = gn * (y[n] - (1 - y[n]) * (dist > 0 ? h / dist : 0.0));
                   for (int64_t j = 0; j < D; ++j) {
                     const T v = static_cast<T>(k * (static_cast<double>(a[n * D + j]) - b[n * D + j]));
                     if (d1) d1[n * D + j] = v;
                     if (d2) d2[n * D + j] = -v;
                   }
                   if (dy) dy[n] = static_cast<T>(gn * 0.5 * (s - h * h));
                 }
               });
             });
             return grads;
           });
  return out;
}

}  // namespace minidl::nn
