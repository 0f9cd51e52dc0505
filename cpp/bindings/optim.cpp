// minidl._C._optim: the fused update rules (minidl::optim, src/optim/) for minidl.optim's classes.
//
// One call updates a whole parameter group (foreach-style: lists of parameters, gradients and
// state), so a step costs one Python -> C++ transition per group, not one per tensor or per op.
// State lists hold a Tensor or None per parameter; the tensors an update creates (on the first
// step) are written back into the list in place of the None, for the caller to keep.
#include "common.hpp"

namespace minidl::bind {

namespace {

using optim::TensorList;

TensorList from_list(const py::list& l) {
  TensorList v;
  v.reserve(l.size());
  for (py::handle h : l) v.push_back(h.is_none() ? Tensor() : h.cast<Tensor>());
  return v;
}

// New state into the list's None slots.
void write_back(py::list& l, const TensorList& v) {
  const size_t n = std::min<size_t>(l.size(), v.size());
  for (size_t i = 0; i < n; ++i)
    if (v[i].defined() && l[i].is_none()) l[i] = py::cast(v[i]);
}

int64_t total_numel(const TensorList& params) {
  int64_t n = 0;
  for (const Tensor& p : params) n += p.defined() ? p.numel() : 0;
  return n;
}

}  // namespace

void bind_optim(py::module_& m) {
  // The gradients of a cached group, read in one call: at MLP sizes reading `p.grad` from Python
  // (a property call and a new wrapper each) cost about a third of an optimizer step.
  m.def(
      "grads_if_all",
      [](const TensorList& params) -> py::object {
        py::list out(params.size());
        for (size_t i = 0; i < params.size(); ++i) {
          Tensor g = params[i].grad();
          if (!g.defined()) return py::none();
          out[i] = py::cast(std::move(g));
        }
        return std::move(out);
      },
      py::arg("params"), "[p.grad for p in params] if every one is set, else None");

  m.def(
      "sgd_",
      [](const TensorList& params, const TensorList& grads, py::list bufs, double lr, double momentum,
         double dampening, double weight_decay, bool nesterov, bool maximize) {
        TensorList b = from_list(bufs);
        const auto o = optim::SGDOptions(lr).momentum(momentum).dampening(dampening).weight_decay(weight_decay)
                           .nesterov(nesterov).maximize(maximize);
        {
          MaybeRelease g(total_numel(params));
          optim::sgd_update(params, grads, b, o);
        }
        write_back(bufs, b);
      },
      py::arg("params"), py::arg("grads"), py::arg("momentum_buffers"), py::arg("lr"), py::arg("momentum"),
      py::arg("dampening"), py::arg("weight_decay"), py::arg("nesterov"), py::arg("maximize"),
      "SGD step over one parameter group, in place");

  m.def(
      "adagrad_",
      [](const TensorList& params, const TensorList& grads, py::list sums, py::list steps, double lr, double lr_decay,
         double weight_decay, double initial_accumulator_value, double eps, bool maximize, bool eps_inside_sqrt) {
        TensorList s = from_list(sums), t = from_list(steps);
        const auto o = optim::AdagradOptions(lr).lr_decay(lr_decay).weight_decay(weight_decay)
                           .initial_accumulator_value(initial_accumulator_value).eps(eps).maximize(maximize)
                           .eps_inside_sqrt(eps_inside_sqrt);
        {
          MaybeRelease g(total_numel(params));
          optim::adagrad_update(params, grads, s, t, o);
        }
        write_back(sums, s);
        write_back(steps, t);
      },
      py::arg("params"), py::arg("grads"), py::arg("sums"), py::arg("steps"), py::arg("lr"), py::arg("lr_decay"),
      py::arg("weight_decay"), py::arg("initial_accumulator_value"), py::arg("eps"), py::arg("maximize"),
      py::arg("eps_inside_sqrt") = false, "Adagrad step over one parameter group, in place");

  m.def(
      "rmsprop_",
      [](const TensorList& params, const TensorList& grads, py::list square_avgs, py::list grad_avgs,
         py::list momentum_buffers, py::list steps, double lr, double alpha, double eps, double weight_decay,
         double momentum, bool centered, bool maximize) {
        TensorList sq = from_list(square_avgs), ga = from_list(grad_avgs), mb = from_list(momentum_buffers),
                   t = from_list(steps);
        const auto o = optim::RMSpropOptions(lr).alpha(alpha).eps(eps).weight_decay(weight_decay).momentum(momentum)
                           .centered(centered).maximize(maximize);
        {
          MaybeRelease g(total_numel(params));
          optim::rmsprop_update(params, grads, sq, ga, mb, t, o);
        }
        write_back(square_avgs, sq);
        write_back(grad_avgs, ga);
        write_back(momentum_buffers, mb);
        write_back(steps, t);
      },
      py::arg("params"), py::arg("grads"), py::arg("square_avgs"), py::arg("grad_avgs"), py::arg("momentum_buffers"),
      py::arg("steps"), py::arg("lr"), py::arg("alpha"), py::arg("eps"), py::arg("weight_decay"), py::arg("momentum"),
      py::arg("centered"), py::arg("maximize"), "RMSprop step over one parameter group, in place");

  m.def(
      "adadelta_",
      [](const TensorList& params, const TensorList& grads, py::list square_avgs, py::list acc_deltas, py::list steps,
         double lr, double rho, double eps, double weight_decay, bool maximize) {
        TensorList sq = from_list(square_avgs), acc = from_list(acc_deltas), t = from_list(steps);
        const auto o = optim::AdadeltaOptions(lr).rho(rho).eps(eps).weight_decay(weight_decay).maximize(maximize);
        {
          MaybeRelease g(total_numel(params));
          optim::adadelta_update(params, grads, sq, acc, t, o);
        }
        write_back(square_avgs, sq);
        write_back(acc_deltas, acc);
        write_back(steps, t);
      },
      py::arg("params"), py::arg("grads"), py::arg("square_avgs"), py::arg("acc_deltas"), py::arg("steps"),
      py::arg("lr"), py::arg("rho"), py::arg("eps"), py::arg("weight_decay"), py::arg("maximize"),
      "Adadelta step over one parameter group, in place");

  m.def(
      "adam_",
      [](const TensorList& params, const TensorList& grads, py::list exp_avgs, py::list exp_avg_sqs,
         py::list max_exp_avg_sqs, py::list steps, double lr, double beta1, double beta2, double eps,
         double weight_decay, bool amsgrad, bool maximize, bool decoupled_weight_decay, bool eps_inside_sqrt) {
        TensorList m1 = from_list(exp_avgs), m2 = from_list(exp_avg_sqs), mx = from_list(max_exp_avg_sqs),
                   t = from_list(steps);
        const auto o = optim::AdamOptions(lr).betas(beta1, beta2).eps(eps).weight_decay(weight_decay)
                           .amsgrad(amsgrad).maximize(maximize).decoupled_weight_decay(decoupled_weight_decay)
                           .eps_inside_sqrt(eps_inside_sqrt);
        {
          MaybeRelease g(total_numel(params));
          optim::adam_update(params, grads, m1, m2, mx, t, o);
        }
        write_back(exp_avgs, m1);
        write_back(exp_avg_sqs, m2);
        write_back(max_exp_avg_sqs, mx);
        write_back(steps, t);
      },
      py::arg("params"), py::arg("grads"), py::arg("exp_avgs"), py::arg("exp_avg_sqs"), py::arg("max_exp_avg_sqs"),
      py::arg("steps"), py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"), py::arg("weight_decay"),
      py::arg("amsgrad"), py::arg("maximize"), py::arg("decoupled_weight_decay"), py::arg("eps_inside_sqrt") = false,
      "Adam / AdamW step over one parameter group, in place");

  m.def(
      "nadam_",
      [](const TensorList& params, const TensorList& grads, py::list exp_avgs, py::list exp_avg_sqs,
         py::list mu_products, py::list steps, double lr, double beta1, double beta2, double eps, double weight_decay,
         double momentum_decay, bool decoupled_weight_decay, bool maximize, bool eps_inside_sqrt) {
        TensorList m1 = from_list(exp_avgs), m2 = from_list(exp_avg_sqs), mu = from_list(mu_products),
                   t = from_list(steps);
        const auto o = optim::NAdamOptions(lr).betas(beta1, beta2).eps(eps).weight_decay(weight_decay)
                           .momentum_decay(momentum_decay).decoupled_weight_decay(decoupled_weight_decay)
                           .maximize(maximize).eps_inside_sqrt(eps_inside_sqrt);
        {
          MaybeRelease g(total_numel(params));
          optim::nadam_update(params, grads, m1, m2, mu, t, o);
        }
        write_back(exp_avgs, m1);
        write_back(exp_avg_sqs, m2);
        write_back(mu_products, mu);
        write_back(steps, t);
      },
      py::arg("params"), py::arg("grads"), py::arg("exp_avgs"), py::arg("exp_avg_sqs"), py::arg("mu_products"),
      py::arg("steps"), py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"), py::arg("weight_decay"),
      py::arg("momentum_decay"), py::arg("decoupled_weight_decay"), py::arg("maximize"),
      py::arg("eps_inside_sqrt") = false, "NAdam step over one parameter group, in place");
}

}  // namespace minidl::bind
