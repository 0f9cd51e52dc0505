// Binary losses: binary_cross_entropy (on probabilities), binary_cross_entropy_with_logits
// (the stable one) and torchvision's sigmoid_focal_loss. Each is a fused pointwise_loss kernel;
// x is the input, y the target, w the weight, pw the positive-class weight.
#include <cmath>

#include "loss_common.hpp"

namespace minidl::nn {

using detail::check_broadcasts_to;
using detail::check_reduction;
using detail::check_same_shape;
using detail::pointwise_loss;

namespace {

using detail::k;
using detail::sel;
using detail::vabs;
using detail::vexp;
using detail::vlog;
using detail::vlog1p;
using detail::vmax;

// sigmoid(x) without overflow or nan at |x| = 1000 (scalar; the focal loss uses it).
template <class T> inline T sigmoid_stable(T x) {
  if (x >= 0) return T(1) / (T(1) + std::exp(-x));
  const T e = std::exp(x);
  return e / (T(1) + e);
}

// l = -w [y log x + (1 - y) log(1 - x)], each log clamped at -100 (PyTorch's rule: x = 0 or 1
// gives a finite loss)
// dl/dx = w (x - y) / max(x (1 - x), 1e-12)    dl/dy = w (log(1 - x) - log x)    dl/dw = l / w
// (written once for a scalar or an xsimd batch V)
struct BCEOp {
  static constexpr bool kBatch = true;
  template <class V> static void logs(V x, V& lx, V& l1x) {
    lx = vmax(vlog(x), k<V>(-100));
    l1x = vmax(vlog1p(-x), k<V>(-100));
  }
  template <class V> V value(V x, V y, V w, V) const {
    V lx, l1x;
    logs(x, lx, l1x);
    return -w * (y * lx + (k<V>(1) - y) * l1x);
  }
  template <class V> void grad(V x, V y, V w, V, V& dx, V& dy, V& dw, V&) const {
    V lx, l1x;
    logs(x, lx, l1x);
    dx = w * (x - y) / vmax(x * (k<V>(1) - x), k<V>(1e-12));
    dy = w * (l1x - lx);
    dw = -(y * lx + (k<V>(1) - y) * l1x);
  }
};

// With e = exp(-|x|), s = softplus(-x) = -log sigmoid(x) = max(-x, 0) + log1p(e) (never overflows),
// sigmoid(-x) = e / (1 + e) for x >= 0, 1 / (1 + e) otherwise, and lw = 1 + (pw - 1) y:
// l = w [(1 - y) x + lw s]         (pw = 1: max(x, 0) - x y + log(1 + e^-|x|))
// dl/dx = w [(1 - y) - lw sigmoid(-x)]         (pw = 1: w (sigmoid(x) - y))
// dl/dy = w [-x + (pw - 1) s]    dl/dw = l / w    dl/dpw = w y s
struct BCELogitsOp {
  static constexpr bool kBatch = true;
  template <class V> V value(V x, V y, V w, V pw) const {
    const V one = k<V>(1), s = vmax(-x, k<V>(0)) + vlog1p(vexp(-vabs(x)));
    return w * ((one - y) * x + (one + (pw - one) * y) * s);
  }
  template <class V> void grad(V x, V y, V w, V pw, V& dx, V& dy, V& dw, V& dpw) const {
    const V one = k<V>(1), e = vexp(-vabs(x));
    const V s = vmax(-x, k<V>(0)) + vlog1p(e), lw = one + (pw - one) * y;
    const V sig_neg = sel(x >= k<V>(0), e, one) / (one + e);
    dx = w * ((one - y) - lw * sig_neg);
    dy = w * (-x + (pw - one) * s);
    dw = (one - y) * x + lw * s;
    dpw = w * y * s;
  }
};

// torchvision's focal loss. p = sigmoid(x), ce = bce_with_logits(x, y), p_t = p y + (1 - p)(1 - y),
// q = 1 - p_t, alpha_t = alpha y + (1 - alpha)(1 - y) (1 when alpha < 0):
//   l = alpha_t ce q^gamma
//   dl/dx = alpha_t [(p - y) q^gamma + ce gamma q^(gamma-1) dq/dx],  dq/dx = -p (1 - p)(2y - 1)
//   dl/dy = alpha_t [-x q^gamma + ce gamma q^(gamma-1) (1 - 2p)] + (2 alpha - 1) ce q^gamma
// At q = 0 the q^(gamma-1) term is 0 (its limit: ce vanishes with q), not 0 * inf.
struct SigmoidFocalOp {
  static constexpr bool kBatch = false;
  double alpha, gamma;
  template <class T> void parts(T x, T y, T& p, T& ce, T& q, T& at) const {
    p = sigmoid_stable(x);
    ce = std::max(x, T(0)) - x * y + std::log1p(std::exp(-std::abs(x)));
    q = 1 - (p * y + (1 - p) * (1 - y));
    at = alpha >= 0 ? static_cast<T>(alpha * y + (1 - alpha) * (1 - y)) : T(1);
  }
  template <class T> T value(T x, T y, T, T) const {
    T p, ce, q, at;
    parts(x, y, p, ce, q, at);
    return at * ce * std::pow(q, static_cast<T>(gamma));
  }
  template <class T> void grad(T x, T y, T, T, T& dx, T& dy, T& da, T& db) const {
    T p, ce, q, at;
    parts(x, y, p, ce, q, at);
    const T qg = std::pow(q, static_cast<T>(gamma));
    const T dqg = (gamma == 0 || q <= 0) ? T(0) : static_cast<T>(gamma) * std::pow(q, static_cast<T>(gamma - 1));
    dx = at * ((p - y) * qg + ce * dqg * (-p * (1 - p) * (2 * y - 1)));
    dy = at * (-x * qg + ce * dqg * (1 - 2 * p)) + (alpha >= 0 ? static_cast<T>(2 * alpha - 1) : T(0)) * ce * qg;
    da = db = 0;
  }
};

double divisor_of(Reduction r, const Tensor& x) { return r == Reduction::Mean ? static_cast<double>(x.numel()) : 1.0; }

// PyTorch refuses probabilities outside [0, 1] (NaN included); so does minidl, before the kernel.
void check_probabilities(const Tensor& input) {
  const Tensor xc = detail::contiguous_as(input, input.dtype());
  dispatch_floating(input.dtype(), "binary_cross_entropy", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* p = xc.data<T>();
    const int64_t n = xc.numel();
    const double bad = detail::block_sum(n, 1, [&](int64_t i0, int64_t i1) {
      double c = 0;
      for (int64_t i = i0; i < i1; ++i) c += !(p[i] >= 0 && p[i] <= 1);
      return c;
    });
    if (bad == 0) return;
    int64_t i = 0;
    while (p[i] >= 0 && p[i] <= 1) ++i;
    throw ValueError(str("binary_cross_entropy: all elements of input should be probabilities between 0 and 1, "
                         "but element ", i, " (flat index) is ", p[i],
                         "; pass logits to binary_cross_entropy_with_logits instead, or apply sigmoid first"));
  });
}

}  // namespace

// mean(-w [y log x + (1 - y) log(1 - x)])  (note 004 eq. 25)       dx = w (x - y) / (x (1 - x)) / N
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction r) {
  const char* fn = "binary_cross_entropy";
  detail::loss_dtype(fn, input);
  check_same_shape(fn, input, target);
  check_reduction(fn, r);
  if (weight.defined()) check_broadcasts_to(fn, input, weight, "weight");
  check_probabilities(input);
  return pointwise_loss(fn, "BinaryCrossEntropyBackward0", input, target, weight, Tensor(), r, divisor_of(r, input),
                        BCEOp{});
}

// mean(w [(1 - y) x + lw softplus(-x)])  = bce(sigmoid(x), y), stable   dx = w (sigmoid(x) - y) / N (pw = 1)
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        Reduction r, const Tensor& pos_weight) {
  const char* fn = "binary_cross_entropy_with_logits";
  detail::loss_dtype(fn, input);
  check_same_shape(fn, input, target);
  check_reduction(fn, r);
  if (weight.defined()) check_broadcasts_to(fn, input, weight, "weight");
  if (pos_weight.defined()) check_broadcasts_to(fn, input, pos_weight, "pos_weight");
  return pointwise_loss(fn, "BinaryCrossEntropyWithLogitsBackward0", input, target, weight, pos_weight, r,
                        divisor_of(r, input), BCELogitsOp{}, 8);
}

// alpha_t (1 - p_t)^gamma bce_with_logits(x, y)  (note 004 eq. 27, binary form of RetinaNet)
Tensor sigmoid_focal_loss(const Tensor& inputs, const Tensor& targets, double alpha, double gamma, Reduction r) {
  const char* fn = "sigmoid_focal_loss";
  detail::loss_dtype(fn, inputs);
  check_same_shape(fn, inputs, targets, "targets");
  check_reduction(fn, r);
  MINIDL_CHECK(gamma >= 0, ValueError, fn, ": gamma must be non-negative, got ", gamma);
  return pointwise_loss(fn, "SigmoidFocalLossBackward0", inputs, targets, Tensor(), Tensor(), r, divisor_of(r, inputs),
                        SigmoidFocalOp{alpha, gamma}, 16);
}

}  // namespace minidl::nn
