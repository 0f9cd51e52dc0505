// Adadelta, PyTorch's torch.optim.Adadelta.
#include "update_loop.hpp"

namespace minidl::optim {

// For each element, with lambda = weight_decay:
//   g = -g                                        if maximize
//   g = g + lambda w
//   r = rho r + (1 - rho) g^2                     ('square_avg', from 0)
//   d = sqrt(u + eps) / sqrt(r + eps) g           (u: 'acc_delta', from 0)
//   u = rho u + (1 - rho) d^2
//   w = w - lr d
void adadelta_update(const TensorList& params, const TensorList& grads, TensorList& square_avgs,
                     TensorList& acc_deltas, TensorList& steps, const AdadeltaOptions& o) {
  check(o);
  detail::check_params("Adadelta", params, grads);
  detail::check_state("Adadelta", "square_avg", params, square_avgs);
  detail::check_state("Adadelta", "acc_delta", params, acc_deltas);
  detail::check_scalars("Adadelta", "step", params, steps);

  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& param = params[i];
    const Tensor grad = detail::readable_grad(param, grads[i]);
    if (!square_avgs[i].defined()) square_avgs[i] = detail::new_state(param, 0);
    if (!acc_deltas[i].defined()) acc_deltas[i] = detail::new_state(param, 0);
    detail::next_step(steps[i]);  // counted as PyTorch does; the rule does not use t
    dispatch_floating(param.dtype(), "Adadelta", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T lr = static_cast<T>(o.lr()), wd = static_cast<T>(o.weight_decay()), eps = static_cast<T>(o.eps());
      const T rho = static_cast<T>(o.rho()), one_minus_rho = static_cast<T>(1 - o.rho());
      const bool maximize = o.maximize(), decay = o.weight_decay() != 0;
      detail::for_each_element<T>(param, grad, 10, [=](auto& w, auto& g0, auto& r, auto& u) {
        auto g = maximize ? -g0 : g0;
        if (decay) g += wd * w;
        r = rho * r + one_minus_rho * g * g;
        const auto d = detail::root(u + eps) / detail::root(r + eps) * g;
        u = rho * u + one_minus_rho * d * d;
        w -= lr * d;
      }, square_avgs[i], acc_deltas[i]);
    });
    detail::bump(square_avgs[i]);
    detail::bump(acc_deltas[i]);
    detail::bump(param);
  }
}

}  // namespace minidl::optim
