// Adam and AdamW, PyTorch's torch.optim.Adam and torch.optim.AdamW (one kernel, a flag).
#include "adam_moments.hpp"

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
// eps_inside_sqrt (minidl's): w = w - lr/(1 - b1^t) m / sqrt(v / (1 - b2^t) + eps), note 000's
// lr / sqrt(r_hat + delta) and note 001's code.
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
    const double t = detail::next_step(steps[i]);
    const double bias_correction1 = 1 - std::pow(o.beta1(), t);
    const double bias_correction2 = 1 - std::pow(o.beta2(), t);
    dispatch_floating(param.dtype(), name, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const detail::AdamMoments<T> mo(o);
      const T step_size = static_cast<T>(o.lr() / bias_correction1);
      const T bc2 = static_cast<T>(bias_correction2), bc2_sqrt = static_cast<T>(std::sqrt(bias_correction2));
      auto denominator = [=](const auto& s) {  // s: v, or v_max with amsgrad
        return mo.eps_inside ? detail::root(s / bc2 + mo.eps) : detail::root(s) / bc2_sqrt + mo.eps;
      };
      // v_max... is max_exp_avg_sq with amsgrad, and empty without
      auto adam = [=](auto& w, auto& g0, auto& m, auto& v, auto&... v_max) {
        auto x = w;
        mo.update(x, g0, m, v);
        if constexpr (sizeof...(v_max) == 0) {
          w = x - step_size * m / denominator(v);
        } else {
          ((v_max = detail::max_of(v_max, v)), ...);
          w = x - step_size * m / denominator(v_max...);
        }
      };
      if (amsgrad)
        detail::for_each_element<T>(param, grad, 10, adam, exp_avgs[i], exp_avg_sqs[i], max_exp_avg_sqs[i]);
      else
        detail::for_each_element<T>(param, grad, 10, adam, exp_avgs[i], exp_avg_sqs[i]);
    });
    detail::bump(exp_avgs[i]);
    detail::bump(exp_avg_sqs[i]);
    if (amsgrad) detail::bump(max_exp_avg_sqs[i]);
    detail::bump(param);
  }
}

}  // namespace minidl::optim
