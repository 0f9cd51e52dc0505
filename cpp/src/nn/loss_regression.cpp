// Regression losses (mse, l1, huber, smooth_l1) and kl_div: elementwise terms, each a fused
// pointwise_loss kernel (forward and reduction in one pass, backward in one pass).
// With d = x - y, the per-element terms and their derivatives are written beside each op.
#include <cmath>

#include "loss_common.hpp"

namespace minidl::nn {

using detail::check_reduction;
using detail::check_same_shape;
using detail::pointwise_loss;

namespace {

using detail::k;
using detail::sel;
using detail::vabs;
using detail::vexp;
using detail::vlog;
using detail::vsign;

// Each op is written once for a scalar or an xsimd batch V (so the kernel runs vectorised).

// l = d^2                          dl/dx = 2 d,  dl/dy = -2 d
struct SquaredOp {
  static constexpr bool kBatch = true;
  template <class V> V value(V x, V y, V, V) const { return (x - y) * (x - y); }
  template <class V> void grad(V x, V y, V, V, V& dx, V& dy, V&, V&) const {
    dx = k<V>(2) * (x - y);
    dy = -dx;
  }
};

// l = |d|                          dl/dx = sign(d),  dl/dy = -sign(d)   (sign(0) = 0)
struct AbsOp {
  static constexpr bool kBatch = true;
  template <class V> V value(V x, V y, V, V) const { return vabs(x - y); }
  template <class V> void grad(V x, V y, V, V, V& dx, V& dy, V&, V&) const {
    dx = vsign(x - y);
    dy = -dx;
  }
};

// Huber:     l = d^2 / 2 if |d| <= delta, else delta (|d| - delta / 2)
//            dl/dx = d if |d| <= delta, else delta sign(d)
// Smooth L1: l = d^2 / (2 beta) if |d| < beta, else |d| - beta / 2   (= huber / beta; beta = 0 is L1)
//            dl/dx = d / beta if |d| < beta, else sign(d)
struct HuberOp {
  static constexpr bool kBatch = true;
  double delta;
  bool smooth;  // smooth_l1: divide by delta (called beta there), strict < at the boundary as PyTorch
  template <class V> V value(V x, V y, V, V) const {
    const V dd = x - y, ad = vabs(dd), kd = k<V>(delta), half = k<V>(0.5);
    if (smooth) return sel(ad < kd, half * dd * dd / kd, ad - half * kd);
    return sel(ad <= kd, half * dd * dd, kd * (ad - half * kd));
  }
  template <class V> void grad(V x, V y, V, V, V& dx, V& dy, V&, V&) const {
    const V dd = x - y, ad = vabs(dd), kd = k<V>(delta);
    if (smooth) dx = sel(ad < kd, dd / kd, vsign(dd));
    else dx = sel(ad <= kd, dd, kd * vsign(dd));
    dy = -dx;
  }
};

// KL divergence with x = log q (the input) and y = p (the target):
//   l = y (log y - x)   (0 where y = 0)      dl/dx = -y,       dl/dy = log y + 1 - x
// log_target (y = log p):
//   l = e^y (y - x)                          dl/dx = -e^y,     dl/dy = e^y (y - x + 1)
struct KLDivOp {
  static constexpr bool kBatch = true;
  bool log_target;
  template <class V> V value(V x, V y, V, V) const {
    if (log_target) return vexp(y) * (y - x);
    return sel(y == k<V>(0), k<V>(0), y * (vlog(y) - x));  // xlogy: 0 log 0 = 0
  }
  template <class V> void grad(V x, V y, V, V, V& dx, V& dy, V&, V&) const {
    if (log_target) {
      const V e = vexp(y);
      dx = -e;
      dy = e * (y - x + k<V>(1));
    } else {
      dx = -y;
      dy = vlog(y) + k<V>(1) - x;
    }
  }
};

// The divisor that turns a sum into the requested reduction.
double divisor_of(Reduction r, const Tensor& x) {
  if (r == Reduction::Mean) return static_cast<double>(x.numel());
  if (r == Reduction::BatchMean) return x.dim() == 0 ? 1.0 : static_cast<double>(x.shape()[0]);
  return 1.0;
}

// Weighted form of a regression loss, as PyTorch computes it: w * l, then 'mean' is
// sum(w l) / sum(w) (mse, l1) or mean(w l) (huber). Composed from ops, so weight gets a gradient.
Tensor weighted(const char* fn, const Tensor& l, const Tensor& input, const Tensor& weight, Reduction r,
                bool mean_over_weights) {
  const Tensor wl = mul(l, weight);
  if (r == Reduction::Mean && mean_over_weights) return div(sum(wl), sum(weight));
  return detail::reduce_loss(wl, r);
}

template <class Op>
Tensor regression(const char* fn, const char* node, const Tensor& input, const Tensor& target, Reduction r,
                  const Tensor& weight, bool mean_over_weights, const Op& op) {
  detail::loss_dtype(fn, input);
  check_same_shape(fn, input, target);
  check_reduction(fn, r);
  if (weight.defined()) {
    check_same_shape(fn, input, weight, "weight");
    const Tensor l = pointwise_loss(fn, node, input, target, Tensor(), Tensor(), Reduction::None, 1.0, op);
    return weighted(fn, l, input, weight, r, mean_over_weights);
  }
  return pointwise_loss(fn, node, input, target, Tensor(), Tensor(), r, divisor_of(r, input), op);
}

}  // namespace

// mean((x - y)^2)                                  dx = 2 (x - y) / N,  dy = -dx
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction r, const Tensor& weight) {
  return regression("mse_loss", "MseLossBackward0", input, target, r, weight, true, SquaredOp{});
}

// mean(|x - y|)                                    dx = sign(x - y) / N,  dy = -dx
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction r, const Tensor& weight) {
  return regression("l1_loss", "L1LossBackward0", input, target, r, weight, true, AbsOp{});
}

// mean(huber_delta(x - y))  (note 004 eq. 24)      dx = clamp(x - y, -delta, delta) / N
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction r, double delta, const Tensor& weight) {
  MINIDL_CHECK(delta > 0, ValueError, "huber_loss: delta must be positive, got ", delta);
  return regression("huber_loss", "HuberLossBackward0", input, target, r, weight, false, HuberOp{delta, false});
}

// mean(huber_beta(x - y) / beta)                   dx = clamp((x - y) / beta, -1, 1) / N
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction r, double beta) {
  MINIDL_CHECK(beta >= 0, ValueError, "smooth_l1_loss: beta must be non-negative, got ", beta);
  return regression("smooth_l1_loss", "SmoothL1LossBackward0", input, target, r, Tensor(), false,
                    HuberOp{beta, true});
}

// sum(p (log p - log q)) / divisor                 dx = -p / divisor
Tensor kl_div(const Tensor& input, const Tensor& target, Reduction r, bool log_target) {
  detail::loss_dtype("kl_div", input);
  check_same_shape("kl_div", input, target);
  return pointwise_loss("kl_div", "KlDivBackward0", input, target, Tensor(), Tensor(), r, divisor_of(r, input),
                        KLDivOp{log_target});
}

}  // namespace minidl::nn
