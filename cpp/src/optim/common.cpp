// The checks every update rule runs before it writes anything, the options' range checks,
// and the state helpers of update_loop.hpp.
#include <cmath>
#include <type_traits>

#include "minidl/creation.hpp"
#include "update_loop.hpp"

namespace minidl::optim {

namespace {

// ValueError "<opt>: invalid <what>: <v> (<rule>)" unless ok; NaN fails every rule.
void require(bool ok, const char* opt, const char* what, double v, const char* rule) {
  MINIDL_CHECK(ok, ValueError, opt, ": invalid ", what, ": ", v, " (", rule, ")");
}
void non_negative(const char* opt, const char* what, double v) { require(v >= 0.0, opt, what, v, "must be >= 0"); }
void beta(const char* opt, const char* what, double v) {
  require(v >= 0.0 && v < 1.0, opt, what, v, "must be in [0, 1)");
}

}  // namespace

void check(const SGDOptions& o) {
  non_negative("SGD", "learning rate lr", o.lr());
  non_negative("SGD", "momentum", o.momentum());
  non_negative("SGD", "weight_decay", o.weight_decay());
  require(std::isfinite(o.dampening()), "SGD", "dampening", o.dampening(), "must be a finite number");
  MINIDL_CHECK(!o.nesterov() || (o.momentum() > 0 && o.dampening() == 0), ValueError,
               "SGD: Nesterov momentum requires a momentum and zero dampening, got momentum=", o.momentum(),
               ", dampening=", o.dampening());
}

void check(const AdagradOptions& o) {
  non_negative("Adagrad", "learning rate lr", o.lr());
  non_negative("Adagrad", "lr_decay", o.lr_decay());
  non_negative("Adagrad", "weight_decay", o.weight_decay());
  non_negative("Adagrad", "initial_accumulator_value", o.initial_accumulator_value());
  non_negative("Adagrad", "eps", o.eps());
}

void check(const RMSpropOptions& o) {
  non_negative("RMSprop", "learning rate lr", o.lr());
  non_negative("RMSprop", "eps", o.eps());
  non_negative("RMSprop", "momentum", o.momentum());
  non_negative("RMSprop", "weight_decay", o.weight_decay());
  non_negative("RMSprop", "alpha", o.alpha());
}

void check(const AdadeltaOptions& o) {
  non_negative("Adadelta", "learning rate lr", o.lr());
  require(o.rho() >= 0.0 && o.rho() <= 1.0, "Adadelta", "rho", o.rho(), "must be in [0, 1]");
  non_negative("Adadelta", "eps", o.eps());
  non_negative("Adadelta", "weight_decay", o.weight_decay());
}

void check(const AdamOptions& o) {
  const char* name = o.decoupled_weight_decay() ? "AdamW" : "Adam";
  non_negative(name, "learning rate lr", o.lr());
  non_negative(name, "eps", o.eps());
  beta(name, "beta parameter at index 0 (beta1)", o.beta1());
  beta(name, "beta parameter at index 1 (beta2)", o.beta2());
  non_negative(name, "weight_decay", o.weight_decay());
}

void check(const NAdamOptions& o) {
  non_negative("NAdam", "learning rate lr", o.lr());
  non_negative("NAdam", "eps", o.eps());
  beta("NAdam", "beta parameter at index 0 (beta1)", o.beta1());
  beta("NAdam", "beta parameter at index 1 (beta2)", o.beta2());
  non_negative("NAdam", "weight_decay", o.weight_decay());
  non_negative("NAdam", "momentum_decay", o.momentum_decay());
}

namespace detail {

using minidl::detail::has_broadcast_dim;

void check_params(const char* opt, const TensorList& params, const TensorList& grads) {
  MINIDL_CHECK(grads.size() == params.size(), ValueError, opt, ": got ", params.size(), " parameters but ",
               grads.size(), " gradients");
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    const Tensor& g = grads[i];
    MINIDL_CHECK(p.defined(), ValueError, opt, ": parameter ", i, " is an undefined tensor");
    MINIDL_CHECK(is_floating(p.dtype()), TypeError, opt, ": can only optimize floating-point tensors (float32 or ",
                 "float64), but parameter ", i, " is ", dtype_name(p.dtype()));
    MINIDL_CHECK(!has_broadcast_dim(p), Error, opt, ": parameter ", i, " of shape ", shape_str(p.shape()),
                 " has several elements at one memory location (made by expand()); it cannot be updated in place");
    MINIDL_CHECK(g.defined(), ValueError, opt, ": parameter ", i, " has no gradient (skip it)");
    MINIDL_CHECK(g.shape() == p.shape(), ValueError, opt, ": the gradient of parameter ", i, " has shape ",
                 shape_str(g.shape()), " but the parameter has shape ", shape_str(p.shape()));
    MINIDL_CHECK(g.dtype() == p.dtype(), TypeError, opt, ": the gradient of parameter ", i, " is ",
                 dtype_name(g.dtype()), " but the parameter is ", dtype_name(p.dtype()));
  }
}

void check_state(const char* opt, const char* name, const TensorList& params, TensorList& states) {
  if (states.empty()) states.resize(params.size());
  MINIDL_CHECK(states.size() == params.size(), ValueError, opt, ": got ", params.size(), " parameters but ",
               states.size(), " entries of state '", name, "'");
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& s = states[i];
    if (!s.defined()) continue;
    MINIDL_CHECK(s.shape() == params[i].shape(), ValueError, opt, ": state '", name, "' of parameter ", i,
                 " has shape ", shape_str(s.shape()), " but the parameter has shape ", shape_str(params[i].shape()));
    MINIDL_CHECK(s.dtype() == params[i].dtype(), TypeError, opt, ": state '", name, "' of parameter ", i, " is ",
                 dtype_name(s.dtype()), " but the parameter is ", dtype_name(params[i].dtype()));
    MINIDL_CHECK(!has_broadcast_dim(s), Error, opt, ": state '", name, "' of parameter ", i,
                 " has several elements at one memory location (made by expand()); clone() it");
  }
}

void check_scalars(const char* opt, const char* name, const TensorList& params, TensorList& scalars) {
  if (scalars.empty()) scalars.resize(params.size());
  MINIDL_CHECK(scalars.size() == params.size(), ValueError, opt, ": got ", params.size(), " parameters but ",
               scalars.size(), " entries of state '", name, "'");
  for (size_t i = 0; i < scalars.size(); ++i) {
    const Tensor& s = scalars[i];
    if (!s.defined()) continue;
    MINIDL_CHECK(s.numel() == 1 && s.dtype() != DType::Bool, ValueError, opt, ": state '", name, "' of parameter ",
                 i, " must be a one-element number tensor, got ", dtype_name(s.dtype()), " of shape ",
                 shape_str(s.shape()));
  }
}

Tensor new_state(const Tensor& p, double value) { return full(p.shape(), value, p.dtype()); }

Tensor new_scalar(double value) { return full({}, value, DType::Float32); }

double read_scalar(const Tensor& s) {
  return dispatch(s.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return static_cast<double>(*s.data<T>());
  });
}

double next_step(Tensor& step) {
  if (!step.defined()) step = new_scalar(0);
  const double t = read_scalar(step) + 1;
  write_scalar(step, t);
  return t;
}

void write_scalar(const Tensor& s, double value) {
  dispatch(s.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    *s.data<T>() = static_cast<T>(value);
  });
  bump(s);
}

void scale_scalar(const Tensor& s, double factor) {
  dispatch(s.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using F = std::conditional_t<std::is_floating_point_v<T>, T, double>;
    *s.data<T>() = static_cast<T>(static_cast<F>(*s.data<T>()) * static_cast<F>(factor));
  });
  bump(s);
}

}  // namespace detail
}  // namespace minidl::optim
