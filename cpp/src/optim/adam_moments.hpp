// Internal: what Adam, AdamW and NAdam share in their element loops: their constants, and the
// gradient with maximize and weight decay applied (coupled, or decoupled as AdamW's) feeding the
// two moving averages. Each kernel divides by its own root (they round differently, as PyTorch's).
#pragma once
#include "update_loop.hpp"

namespace minidl::optim::detail {

template <class T>
struct AdamMoments {
  T b1, one_minus_b1, b2, one_minus_b2, wd, shrink, eps;
  bool maximize, decay, decoupled;
  bool eps_inside;  // eps_inside_sqrt: sqrt(v_hat + eps) rather than sqrt(v_hat) + eps

  template <class Options>  // AdamOptions or NAdamOptions
  explicit AdamMoments(const Options& o)
      : b1(static_cast<T>(o.beta1())), one_minus_b1(static_cast<T>(1 - o.beta1())),
        b2(static_cast<T>(o.beta2())), one_minus_b2(static_cast<T>(1 - o.beta2())),
        wd(static_cast<T>(o.weight_decay())), shrink(static_cast<T>(1 - o.lr() * o.weight_decay())),
        eps(static_cast<T>(o.eps())), maximize(o.maximize()), decay(o.weight_decay() != 0),
        decoupled(o.decoupled_weight_decay()), eps_inside(o.eps_inside_sqrt()) {}

  // On one value or an xsimd batch (V), x the parameter's value, g0 its gradient:
  //   g = -g0                  if maximize
  //   x = x (1 - lr lambda)    decoupled weight decay (AdamW)
  //   g = g + lambda x         coupled weight decay (the gradient of lambda/2 ||w||^2)
  //   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
  // and returns g.
  template <class V>
  V update(V& x, const V& g0, V& m, V& v) const {
    V g = maximize ? -g0 : g0;
    if (decay) {
      if (decoupled) x *= shrink;
      else g += wd * x;
    }
    m = b1 * m + one_minus_b1 * g;
    v = b2 * v + one_minus_b2 * g * g;
    return g;
  }
};

}  // namespace minidl::optim::detail
