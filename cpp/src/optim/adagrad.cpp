// AdaGrad, PyTorch's torch.optim.Adagrad.
#include "update_loop.hpp"

namespace minidl::optim {

// For each element, at step t (counted per parameter, from 1), lambda = weight_decay:
//   g = -g                                 if maximize
//   g = g + lambda w
//   lr_t = lr / (1 + (t - 1) lr_decay)
//   r = r + g^2                            (r starts at initial_accumulator_value)
//   w = w - lr_t g / (sqrt(r) + eps)        (eps_inside_sqrt, minidl's: lr_t g / sqrt(r + eps))
// The notes' AdaGrad "w -= lr g / (delta + sqrt(r))" (001) is eps = delta; note 000's
// "lr / sqrt(r + delta)" is eps = delta with eps_inside_sqrt.
void adagrad_update(const TensorList& params, const TensorList& grads, TensorList& sums, TensorList& steps,
                    const AdagradOptions& o) {
  check(o);
  detail::check_params("Adagrad", params, grads);
  detail::check_state("Adagrad", "sum", params, sums);
  detail::check_scalars("Adagrad", "step", params, steps);

  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& param = params[i];
    const Tensor grad = detail::readable_grad(param, grads[i]);
    if (!sums[i].defined()) sums[i] = detail::new_state(param, o.initial_accumulator_value());
    const double t = detail::next_step(steps[i]);
    const double clr = o.lr() / (1 + (t - 1) * o.lr_decay());
    dispatch_floating(param.dtype(), "Adagrad", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T lr = static_cast<T>(clr), wd = static_cast<T>(o.weight_decay()), eps = static_cast<T>(o.eps());
      const bool maximize = o.maximize(), decay = o.weight_decay() != 0, inside = o.eps_inside_sqrt();
      detail::for_each_element<T>(param, grad, 6, [=](auto& w, auto& g0, auto& r) {
        auto g = maximize ? -g0 : g0;
        if (decay) g += wd * w;
        r += g * g;
        w -= lr * g / (inside ? detail::root(r + eps) : detail::root(r) + eps);
      }, sums[i]);
    });
    detail::bump(sums[i]);
    detail::bump(param);
  }
}

}  // namespace minidl::optim
