// Adam and AdamW, PyTorch's torch.optim.Adam and torch.optim.AdamW (one kernel, a flag).
#include "update_loop.hpp"

namespace minidl::optim {

// For each element, at step t (counted per parameter, from 1), lambda = weight_decay:
//   g = -g                                        if maximize
//   w = w (1 - lr lambda)                         AdamW (decoupled_weight_decay)
//   g = g + lambda w                              Adam (coupled: the gradient of lambda/2 ||w||^2)
//   m = b1 m + (1 - b1) g                         ('exp_avg', from 0)
//   v = b2 v + (1 - b2) g^2                       ('exp_avg_sq', from 0)
//   v_max = max(v_max, v); use v_max for v        amsgrad ('max_exp_avg_sq', from 0)
//   w = w - lr/(1 - b1^t) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// which is the notes' m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t), w -= lr m_hat / (sqrt(v_hat) + eps):
// the bias correction divides by 1 - b^t (slides 003 misprint it as (1 - b)^t).
void adam_update(const TensorList& params, const TensorList& grads, TensorList& exp_avgs, TensorList& exp_avg_sqs,
                 TensorList& max_exp_avg_sqs, TensorList& steps, const AdamOptions& o) {
  check(o);
  const char* name = o.decoupled_weight_decay() ? "AdamW" : "Adam";
  detail::check_params(name, params, grads);
  detail::check_state(name, "exp_avg", params, exp_avgs);
  detail::check_state(name, "exp_avg_sq", params, exp_avg_sqs);
  const bool amsgrad = o.amsgrad();
  if (amsgrad) detail::check_state(name, "max_exp_avg_sq", params, max_exp_avg_sqs);
  detail::check_scalars(name, "step", params, steps);

  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& param = params[i];
    const Tensor grad = detail::readable_grad(param, grads[i]);
    if (!exp_avgs[i].defined()) exp_avgs[i] = detail::new_state(param, 0);
    if (!exp_avg_sqs[i].defined()) exp_avg_sqs[i] = detail::new_state(param, 0);
    if (amsgrad && !max_exp_avg_sqs[i].defined()) max_exp_avg_sqs[i] = detail::new_state(param, 0);
    if (!steps[i].defined()) steps[i] = detail::new_scalar(0);
    const double t = detail::read_scalar(steps[i]) + 1;
    detail::write_scalar(steps[i], t);
    const double bias_correction1 = 1 - std::pow(o.beta1(), t);
    const double bias_correction2 = 1 - std::pow(o.beta2(), t);
    dispatch_floating(param.dtype(), name, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T step_size = static_cast<T>(o.lr() / bias_correction1);
      const T bc2_sqrt = static_cast<T>(std::sqrt(bias_correction2));
      const T b1 = static_cast<T>(o.beta1()), one_minus_b1 = static_cast<T>(1 - o.beta1());
      const T b2 = static_cast<T>(o.beta2()), one_minus_b2 = static_cast<T>(1 - o.beta2());
      const T eps = static_cast<T>(o.eps()), wd = static_cast<T>(o.weight_decay());
      const T shrink = static_cast<T>(1 - o.lr() * o.weight_decay());
      const bool maximize = o.maximize(), decay = o.weight_decay() != 0;
      const bool decoupled = o.decoupled_weight_decay();
      if (amsgrad) {
        detail::for_each_element<T>(param, grad, 10, [=](auto& w, auto& g0, auto& m, auto& v, auto& vmax) {
          auto x = w;
          auto g = maximize ? -g0 : g0;
          if (decay) {
            if (decoupled) x *= shrink;
            else g += wd * x;
          }
          m = b1 * m + one_minus_b1 * g;
          v = b2 * v + one_minus_b2 * g * g;
          vmax = detail::max_of(vmax, v);
          w = x - step_size * m / (detail::root(vmax) / bc2_sqrt + eps);
        }, exp_avgs[i], exp_avg_sqs[i], max_exp_avg_sqs[i]);
      } else {
        detail::for_each_element<T>(param, grad, 10, [=](auto& w, auto& g0, auto& m, auto& v) {
          auto x = w;
          auto g = maximize ? -g0 : g0;
          if (decay) {
            if (decoupled) x *= shrink;
            else g += wd * x;
          }
          m = b1 * m + one_minus_b1 * g;
          v = b2 * v + one_minus_b2 * g * g;
          w = x - step_size * m / (detail::root(v) / bc2_sqrt + eps);
        }, exp_avgs[i], exp_avg_sqs[i]);
      }
    });
    detail::bump(exp_avgs[i]);
    detail::bump(exp_avg_sqs[i]);
    if (amsgrad) detail::bump(max_exp_avg_sqs[i]);
    detail::bump(param);
  }
}

}  // namespace minidl::optim
