// Optimizer classes for C++ programs, PyTorch's shape: construct over the parameters, then
// each training step is  opt.zero_grad(); loss.backward(); opt.step();
//
//   std::vector<minidl::Tensor> params = {w1, b1, w2, b2};
//   minidl::optim::Adam opt(params, minidl::optim::AdamOptions(1e-3));
//
// Each class keeps its options (`options()`, mutable: a schedule changes options().lr(...)) and
// per-parameter state, and calls the fused update of updates.hpp. Parameters whose gradient is
// undefined are skipped, as in PyTorch. One parameter group per optimizer (Python's
// minidl.optim has groups).
#pragma once
#include <vector>

#include "minidl/optim/options.hpp"
#include "minidl/optim/updates.hpp"
#include "minidl/tensor.hpp"

namespace minidl::optim {

class Optimizer {
 public:
  // ValueError for an empty list or an undefined tensor, TypeError for a non-floating one.
  explicit Optimizer(std::vector<Tensor> params);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient.
  virtual void step() = 0;
  // Forget the gradients (backward adds into them): drop them (set_to_none, PyTorch's default)
  // or zero them in place.
  void zero_grad(bool set_to_none = true);
  const std::vector<Tensor>& params() const { return params_; }

 protected:
  // The parameters that have a gradient, their gradients and their positions in params_.
  struct Active {
    TensorList params, grads;
    std::vector<size_t> index;
    // The entries of per-parameter state `all` for these parameters, and back.
    TensorList pick(const TensorList& all) const;
    void put(TensorList& all, const TensorList& part) const;
  };
  Active active() const;

  std::vector<Tensor> params_;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options);
  void step() override;
  SGDOptions& options() { return options_; }

 private:
  SGDOptions options_;
  TensorList momentum_buffers_;
};

class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<Tensor> params, AdagradOptions options);
  void step() override;
  AdagradOptions& options() { return options_; }

 private:
  AdagradOptions options_;
  TensorList sums_, steps_;
};

class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<Tensor> params, RMSpropOptions options);
  void step() override;
  RMSpropOptions& options() { return options_; }

 private:
  RMSpropOptions options_;
  TensorList square_avgs_, grad_avgs_, momentum_buffers_, steps_;
};

class Adadelta : public Optimizer {
 public:
  Adadelta(std::vector<Tensor> params, AdadeltaOptions options);
  void step() override;
  AdadeltaOptions& options() { return options_; }

 private:
  AdadeltaOptions options_;
  TensorList square_avgs_, acc_deltas_, steps_;
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options);
  void step() override;
  AdamOptions& options() { return options_; }

 protected:
  AdamOptions options_;
  TensorList exp_avgs_, exp_avg_sqs_, max_exp_avg_sqs_, steps_;
};

// Adam with decoupled weight decay: w *= 1 - lr lambda before the Adam step. Takes AdamOptions
// (AdamWOptions(lr) gives AdamW's defaults); decoupled_weight_decay is always on.
class AdamW : public Adam {
 public:
  explicit AdamW(std::vector<Tensor> params, AdamOptions options = AdamWOptions());
};

class NAdam : public Optimizer {
 public:
  NAdam(std::vector<Tensor> params, NAdamOptions options);
  void step() override;
  NAdamOptions& options() { return options_; }

 private:
  NAdamOptions options_;
  TensorList exp_avgs_, exp_avg_sqs_, mu_products_, steps_;
};

}  // namespace minidl::optim
