// NAdam, PyTorch's torch.optim.NAdam (Dozat 2016: Adam with Nesterov momentum).
#include "adam_moments.hpp"

namespace minidl::optim {

// For each element, at step t (per parameter, from 1), lambda = weight_decay, psi = momentum_decay:
//   g = -g                                        if maximize
//   w = w (1 - lr lambda)                         decoupled_weight_decay
//   g = g + lambda w                              otherwise
//   mu_t = b1 (1 - 0.5 * 0.96^(t psi)),  mu_{t+1} likewise
//   P_t = P_{t-1} mu_t                            ('mu_product', from 1)
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   s = sqrt(v / (1 - b2^t)) + eps              (eps_inside_sqrt, minidl's: sqrt(v / (1 - b2^t) + eps))
//   w = w - lr (1 - mu_t) / (1 - P_t) g / s - lr mu_{t+1} / (1 - P_t mu_{t+1}) m / s
void nadam_update(const TensorList& params, const TensorList& grads, TensorList& exp_avgs, TensorList& exp_avg_sqs,
                  TensorList& mu_products, TensorList& steps, const NAdamOptions& o) {
  check(o);
  detail::check_params("NAdam", params, grads);
  detail::check_state("NAdam", "exp_avg", params, exp_avgs);
  detail::check_state("NAdam", "exp_avg_sq", params, exp_avg_sqs);
  detail::check_scalars("NAdam", "mu_product", params, mu_products);
  detail::check_scalars("NAdam", "step", params, steps);

  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& param = params[i];
    const Tensor grad = detail::readable_grad(param, grads[i]);
    if (!exp_avgs[i].defined()) exp_avgs[i] = detail::new_state(param, 0);
    if (!exp_avg_sqs[i].defined()) exp_avg_sqs[i] = detail::new_state(param, 0);
    if (!mu_products[i].defined()) mu_products[i] = detail::new_scalar(1);
    const double t = detail::next_step(steps[i]);
    const double mu = o.beta1() * (1 - 0.5 * std::pow(0.96, t * o.momentum_decay()));
    const double mu_next = o.beta1() * (1 - 0.5 * std::pow(0.96, (t + 1) * o.momentum_decay()));
    // the product is kept, and multiplied, at its tensor's precision (float32, as PyTorch does)
    detail::scale_scalar(mu_products[i], mu);
    const double product = detail::read_scalar(mu_products[i]);
    const double bias_correction2 = 1 - std::pow(o.beta2(), t);
    dispatch_floating(param.dtype(), "NAdam", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T grad_coef = static_cast<T>(o.lr() * (1 - mu) / (1 - product));
      const T avg_coef = static_cast<T>(o.lr() * mu_next / (1 - product * mu_next));
      const T bc2 = static_cast<T>(bias_correction2);
      const detail::AdamMoments<T> mo(o);
      detail::for_each_element<T>(param, grad, 12, [=](auto& w, auto& g0, auto& m, auto& v) {
        auto x = w;
        const auto g = mo.update(x, g0, m, v);
        const auto s = mo.eps_inside ? detail::root(v / bc2 + mo.eps) : detail::root(v / bc2) + mo.eps;
        w = x - (grad_coef * g / s + avg_coef * m / s);
      }, exp_avgs[i], exp_avg_sqs[i]);
    });
    detail::bump(exp_avgs[i]);
    detail::bump(exp_avg_sqs[i]);
    detail::bump(param);
  }
}

}  // namespace minidl::optim
