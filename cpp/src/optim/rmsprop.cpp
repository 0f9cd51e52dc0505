// RMSProp, PyTorch's torch.optim.RMSprop.
#include "update_loop.hpp"

namespace minidl::optim {

// For each element, with lambda = weight_decay, mu = momentum:
//   g = -g                                 if maximize
//   g = g + lambda w
//   r = alpha r + (1 - alpha) g^2          ('square_avg', from 0)
//   centered:  m = alpha m + (1 - alpha) g ('grad_avg');  s = sqrt(r - m^2) + eps
//   otherwise: s = sqrt(r) + eps
//   mu > 0:    b = mu b + g / s ('momentum_buffer', from 0);  w = w - lr b
//   otherwise: w = w - lr g / s
// The notes' RMSProp "r = b r + (1 - b) g^2; w -= lr g / (sqrt(r) + eps)" is alpha = b.
void rmsprop_update(const TensorList& params, const TensorList& grads, TensorList& square_avgs, TensorList& grad_avgs,
                    TensorList& momentum_buffers, TensorList& steps, const RMSpropOptions& o) {
  check(o);
  detail::check_params("RMSprop", params, grads);
  detail::check_state("RMSprop", "square_avg", params, square_avgs);
  const bool centered = o.centered(), use_momentum = o.momentum() > 0;
  if (centered) detail::check_state("RMSprop", "grad_avg", params, grad_avgs);
  if (use_momentum) detail::check_state("RMSprop", "momentum_buffer", params, momentum_buffers);
  detail::check_scalars("RMSprop", "step", params, steps);

  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& param = params[i];
    const Tensor grad = detail::readable_grad(param, grads[i]);
    if (!square_avgs[i].defined()) square_avgs[i] = detail::new_state(param, 0);
    if (centered && !grad_avgs[i].defined()) grad_avgs[i] = detail::new_state(param, 0);
    if (use_momentum && !momentum_buffers[i].defined()) momentum_buffers[i] = detail::new_state(param, 0);
    detail::next_step(steps[i]);  // counted as PyTorch does; the rule does not use t
    dispatch_floating(param.dtype(), "RMSprop", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T lr = static_cast<T>(o.lr()), wd = static_cast<T>(o.weight_decay()), eps = static_cast<T>(o.eps());
      const T a = static_cast<T>(o.alpha()), one_minus_a = static_cast<T>(1 - o.alpha());
      const T mu = static_cast<T>(o.momentum());
      const bool maximize = o.maximize(), decay = o.weight_decay() != 0;
      auto direction = [=](auto w, auto g) {  // T or an xsimd batch of T
        if (maximize) g = -g;
        if (decay) g += wd * w;
        return g;
      };
      const Tensor& r = square_avgs[i];
      if (centered && use_momentum) {
        detail::for_each_element<T>(param, grad, 10, [=](auto& w, auto& g0, auto& sq, auto& m, auto& b) {
          const auto g = direction(w, g0);
          sq = a * sq + one_minus_a * g * g;
          m = a * m + one_minus_a * g;
          b = mu * b + g / (detail::root(sq - m * m) + eps);
          w -= lr * b;
        }, r, grad_avgs[i], momentum_buffers[i]);
      } else if (centered) {
        detail::for_each_element<T>(param, grad, 8, [=](auto& w, auto& g0, auto& sq, auto& m) {
          const auto g = direction(w, g0);
          sq = a * sq + one_minus_a * g * g;
          m = a * m + one_minus_a * g;
          w -= lr * g / (detail::root(sq - m * m) + eps);
        }, r, grad_avgs[i]);
      } else if (use_momentum) {
        detail::for_each_element<T>(param, grad, 8, [=](auto& w, auto& g0, auto& sq, auto& b) {
          const auto g = direction(w, g0);
          sq = a * sq + one_minus_a * g * g;
          b = mu * b + g / (detail::root(sq) + eps);
          w -= lr * b;
        }, r, momentum_buffers[i]);
      } else {
        detail::for_each_element<T>(param, grad, 6, [=](auto& w, auto& g0, auto& sq) {
          const auto g = direction(w, g0);
          sq = a * sq + one_minus_a * g * g;
          w -= lr * g / (detail::root(sq) + eps);
        }, r);
      }
    });
    detail::bump(square_avgs[i]);
    if (centered) detail::bump(grad_avgs[i]);
    if (use_momentum) detail::bump(momentum_buffers[i]);
    detail::bump(param);
  }
}

}  // namespace minidl::optim
