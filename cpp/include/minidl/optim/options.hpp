// The settings of each optimizer, with PyTorch's names and defaults (torch.optim.*).
//
// Options are built the way libtorch builds them: the constructor takes the learning rate and
// every other setting has a chainable setter, so a C++ user writes
//
//   minidl::optim::SGD opt(params, minidl::optim::SGDOptions(0.1).momentum(0.9).nesterov(true));
//
// and reads a setting back with `opt.options().momentum()`. Each `check(...)` throws
// ValueError naming the bad value; every update function calls it before touching anything.
#pragma once

namespace minidl::optim {

// MINIDL_OPTIM_ARG(double, lr, 1e-3): a field `lr_`, a getter `lr()` and a setter `lr(v)`
// that returns the options object, so setters chain.
#define MINIDL_OPTIM_ARG(Self, T, name, value)        \
 public:                                               \
  Self& name(T v) {                                    \
    name##_ = v;                                       \
    return *this;                                      \
  }                                                    \
  T name() const { return name##_; }                   \
                                                       \
 private:                                              \
  T name##_ = value;                                   \
                                                       \
 public:

// SGD with momentum (PyTorch's heavy ball; Nesterov optional).
struct SGDOptions {
  explicit SGDOptions(double lr = 1e-3) : lr_(lr) {}
  MINIDL_OPTIM_ARG(SGDOptions, double, lr, 1e-3)
  MINIDL_OPTIM_ARG(SGDOptions, double, momentum, 0.0)
  MINIDL_OPTIM_ARG(SGDOptions, double, dampening, 0.0)
  MINIDL_OPTIM_ARG(SGDOptions, double, weight_decay, 0.0)
  MINIDL_OPTIM_ARG(SGDOptions, bool, nesterov, false)
  MINIDL_OPTIM_ARG(SGDOptions, bool, maximize, false)
};

struct AdagradOptions {
  explicit AdagradOptions(double lr = 1e-2) : lr_(lr) {}
  MINIDL_OPTIM_ARG(AdagradOptions, double, lr, 1e-2)
  MINIDL_OPTIM_ARG(AdagradOptions, double, lr_decay, 0.0)
  MINIDL_OPTIM_ARG(AdagradOptions, double, weight_decay, 0.0)
  MINIDL_OPTIM_ARG(AdagradOptions, double, initial_accumulator_value, 0.0)
  MINIDL_OPTIM_ARG(AdagradOptions, double, eps, 1e-10)
  MINIDL_OPTIM_ARG(AdagradOptions, bool, maximize, false)
  // minidl's, not PyTorch's: lr_t g / sqrt(r + eps), note 000's form
  MINIDL_OPTIM_ARG(AdagradOptions, bool, eps_inside_sqrt, false)
};

struct RMSpropOptions {
  explicit RMSpropOptions(double lr = 1e-2) : lr_(lr) {}
  MINIDL_OPTIM_ARG(RMSpropOptions, double, lr, 1e-2)
  MINIDL_OPTIM_ARG(RMSpropOptions, double, alpha, 0.99)
  MINIDL_OPTIM_ARG(RMSpropOptions, double, eps, 1e-8)
  MINIDL_OPTIM_ARG(RMSpropOptions, double, weight_decay, 0.0)
  MINIDL_OPTIM_ARG(RMSpropOptions, double, momentum, 0.0)
  MINIDL_OPTIM_ARG(RMSpropOptions, bool, centered, false)
  MINIDL_OPTIM_ARG(RMSpropOptions, bool, maximize, false)
};

struct AdadeltaOptions {
  explicit AdadeltaOptions(double lr = 1.0) : lr_(lr) {}
  MINIDL_OPTIM_ARG(AdadeltaOptions, double, lr, 1.0)
  MINIDL_OPTIM_ARG(AdadeltaOptions, double, rho, 0.9)
  MINIDL_OPTIM_ARG(AdadeltaOptions, double, eps, 1e-6)
  MINIDL_OPTIM_ARG(AdadeltaOptions, double, weight_decay, 0.0)
  MINIDL_OPTIM_ARG(AdadeltaOptions, bool, maximize, false)
};

// Adam and AdamW: AdamW is Adam with decoupled_weight_decay(true) (PyTorch's Adam has the
// same flag) and a default weight_decay of 1e-2 (see AdamWOptions).
struct AdamOptions {
  explicit AdamOptions(double lr = 1e-3) : lr_(lr) {}
  MINIDL_OPTIM_ARG(AdamOptions, double, lr, 1e-3)
  MINIDL_OPTIM_ARG(AdamOptions, double, beta1, 0.9)
  MINIDL_OPTIM_ARG(AdamOptions, double, beta2, 0.999)
  MINIDL_OPTIM_ARG(AdamOptions, double, eps, 1e-8)
  MINIDL_OPTIM_ARG(AdamOptions, double, weight_decay, 0.0)
  MINIDL_OPTIM_ARG(AdamOptions, bool, amsgrad, false)
  MINIDL_OPTIM_ARG(AdamOptions, bool, maximize, false)
  MINIDL_OPTIM_ARG(AdamOptions, bool, decoupled_weight_decay, false)
  // minidl's, not PyTorch's: m_hat / sqrt(v_hat + eps), the form of note 000 and note 001's code
  MINIDL_OPTIM_ARG(AdamOptions, bool, eps_inside_sqrt, false)
  AdamOptions& betas(double b1, double b2) {
    beta1_ = b1;
    beta2_ = b2;
    return *this;
  }
};

// AdamW's defaults: decoupled weight decay of 1e-2.
inline AdamOptions AdamWOptions(double lr = 1e-3) {
  return AdamOptions(lr).weight_decay(1e-2).decoupled_weight_decay(true);
}

struct NAdamOptions {
  explicit NAdamOptions(double lr = 2e-3) : lr_(lr) {}
  MINIDL_OPTIM_ARG(NAdamOptions, double, lr, 2e-3)
  MINIDL_OPTIM_ARG(NAdamOptions, double, beta1, 0.9)
  MINIDL_OPTIM_ARG(NAdamOptions, double, beta2, 0.999)
  MINIDL_OPTIM_ARG(NAdamOptions, double, eps, 1e-8)
  MINIDL_OPTIM_ARG(NAdamOptions, double, weight_decay, 0.0)
  MINIDL_OPTIM_ARG(NAdamOptions, double, momentum_decay, 4e-3)
  MINIDL_OPTIM_ARG(NAdamOptions, bool, decoupled_weight_decay, false)
  MINIDL_OPTIM_ARG(NAdamOptions, bool, maximize, false)
  // minidl's, not PyTorch's: divide by sqrt(v_hat + eps) (as Adam's eps_inside_sqrt)
  MINIDL_OPTIM_ARG(NAdamOptions, bool, eps_inside_sqrt, false)
  NAdamOptions& betas(double b1, double b2) {
    beta1_ = b1;
    beta2_ = b2;
    return *this;
  }
};

#undef MINIDL_OPTIM_ARG

// ValueError naming the setting and its value (negative lr, betas outside [0, 1), ...).
void check(const SGDOptions& o);
void check(const AdagradOptions& o);
void check(const RMSpropOptions& o);
void check(const AdadeltaOptions& o);
void check(const AdamOptions& o);
void check(const NAdamOptions& o);

}  // namespace minidl::optim
