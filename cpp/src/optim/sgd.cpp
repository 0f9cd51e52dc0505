// SGD with momentum, PyTorch's torch.optim.SGD.
#include "update_loop.hpp"

namespace minidl::optim {

// For each element, with mu = momentum, tau = dampening, lambda = weight_decay:
//   g = -g                              if maximize
//   g = g + lambda w                    (coupled weight decay: the gradient of lambda/2 ||w||^2)
//   v = g                               on the first step (PyTorch starts the buffer at g)
//   v = mu v + (1 - tau) g              on later steps
//   g = g + mu v  (nesterov)  or  g = v
//   w = w - lr g
// The notes' moving average v = a v + (1 - a) g is mu = tau = a (from v = g, not v = 0: a buffer
// that exists before the first step, such as the zeros minidl.optim.SGD(momentum_init='zeros')
// gives it, makes the first step use the rule too).
void sgd_update(const TensorList& params, const TensorList& grads, TensorList& momentum_buffers,
                const SGDOptions& o) {
  check(o);
  detail::check_params("SGD", params, grads);
  const bool use_momentum = o.momentum() != 0;
  if (use_momentum) detail::check_state("SGD", "momentum_buffer", params, momentum_buffers);

  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& param = params[i];
    const Tensor grad = detail::readable_grad(param, grads[i]);
    dispatch_floating(param.dtype(), "SGD", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T lr = static_cast<T>(o.lr()), wd = static_cast<T>(o.weight_decay()), mu = static_cast<T>(o.momentum());
      const T keep = static_cast<T>(1 - o.dampening());
      const bool maximize = o.maximize(), nesterov = o.nesterov(), decay = o.weight_decay() != 0;
      auto direction = [=](auto w, auto g) {  // T or an xsimd batch of T
        if (maximize) g = -g;
        if (decay) g += wd * w;
        return g;
      };
      if (!use_momentum) {
        detail::for_each_element<T>(param, grad, 2, [=](auto& w, auto& g) { w -= lr * direction(w, g); });
        return;
      }
      Tensor& buf = momentum_buffers[i];
      const bool first = !buf.defined();
      if (first) buf = Tensor::empty(param.shape(), param.dtype());
      detail::for_each_element<T>(param, grad, 4, [=](auto& w, auto& g, auto& v) {
        const auto d = direction(w, g);
        v = first ? d : mu * v + keep * d;
        w -= lr * (nesterov ? d + mu * v : v);
      }, buf);
      detail::bump(buf);
    });
    detail::bump(param);
  }
}

}  // namespace minidl::optim
