// The C++ optimizer classes: state bookkeeping around the fused updates of updates.hpp.
#include "minidl/optim/optimizer.hpp"

#include "minidl/error.hpp"
#include "minidl/grad_mode.hpp"
#include "minidl/ops/elementwise.hpp"

namespace minidl::optim {

Optimizer::Optimizer(std::vector<Tensor> params) : params_(std::move(params)) {
  MINIDL_CHECK(!params_.empty(), ValueError, "optimizer got an empty parameter list");
  for (size_t i = 0; i < params_.size(); ++i) {
    MINIDL_CHECK(params_[i].defined(), ValueError, "optimizer parameter ", i, " is an undefined tensor");
    MINIDL_CHECK(is_floating(params_[i].dtype()), TypeError, "optimizer can only optimize floating-point tensors, ",
                 "but parameter ", i, " is ", dtype_name(params_[i].dtype()));
    for (size_t j = 0; j < i; ++j)
      MINIDL_CHECK(!params_[i].is_same(params_[j]), ValueError, "optimizer parameters ", j, " and ", i,
                   " are the same tensor");
  }
}

void Optimizer::zero_grad(bool set_to_none) {
  for (Tensor& p : params_) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (set_to_none) {
      p.set_grad(Tensor());
      continue;
    }
    if (!g.is_leaf()) {  // a grad made with create_graph=True: cut it from its graph first
      g = g.detach();
      p.set_grad(g);
    }
    NoGradGuard no_grad;
    zero_(g);
  }
}

Optimizer::Active Optimizer::active() const {
  Active a;
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor g = params_[i].grad();
    if (!g.defined()) continue;
    a.params.push_back(params_[i]);
    a.grads.push_back(std::move(g));
    a.index.push_back(i);
  }
  return a;
}

TensorList Optimizer::Active::pick(const TensorList& all) const {
  TensorList part;
  part.reserve(index.size());
  for (size_t i : index) part.push_back(all[i]);
  return part;
}

void Optimizer::Active::put(TensorList& all, const TensorList& part) const {
  for (size_t k = 0; k < index.size(); ++k) all[index[k]] = part[k];
}

// ---- each optimizer: its state vectors, picked for the active parameters and put back ----

SGD::SGD(std::vector<Tensor> params, SGDOptions options)
    : Optimizer(std::move(params)), options_(options), momentum_buffers_(params_.size()) {
  check(options_);
}

void SGD::step() {
  const Active a = active();
  TensorList bufs = a.pick(momentum_buffers_);
  sgd_update(a.params, a.grads, bufs, options_);
  a.put(momentum_buffers_, bufs);
}

Adagrad::Adagrad(std::vector<Tensor> params, AdagradOptions options)
    : Optimizer(std::move(params)), options_(options), sums_(params_.size()), steps_(params_.size()) {
  check(options_);
}

void Adagrad::step() {
  const Active a = active();
  TensorList sums = a.pick(sums_), steps = a.pick(steps_);
  adagrad_update(a.params, a.grads, sums, steps, options_);
  a.put(sums_, sums);
  a.put(steps_, steps);
}

RMSprop::RMSprop(std::vector<Tensor> params, RMSpropOptions options)
    : Optimizer(std::move(params)),
      options_(options),
      square_avgs_(params_.size()),
      grad_avgs_(params_.size()),
      momentum_buffers_(params_.size()),
      steps_(params_.size()) {
  check(options_);
}

void RMSprop::step() {
  const Active a = active();
  TensorList sq = a.pick(square_avgs_), ga = a.pick(grad_avgs_), mb = a.pick(momentum_buffers_),
             steps = a.pick(steps_);
  rmsprop_update(a.params, a.grads, sq, ga, mb, steps, options_);
  a.put(square_avgs_, sq);
  a.put(grad_avgs_, ga);
  a.put(momentum_buffers_, mb);
  a.put(steps_, steps);
}

Adadelta::Adadelta(std::vector<Tensor> params, AdadeltaOptions options)
    : Optimizer(std::move(params)),
      options_(options),
      square_avgs_(params_.size()),
      acc_deltas_(params_.size()),
      steps_(params_.size()) {
  check(options_);
}

void Adadelta::step() {
  const Active a = active();
  TensorList sq = a.pick(square_avgs_), acc = a.pick(acc_deltas_), steps = a.pick(steps_);
  adadelta_update(a.params, a.grads, sq, acc, steps, options_);
  a.put(square_avgs_, sq);
  a.put(acc_deltas_, acc);
  a.put(steps_, steps);
}

Adam::Adam(std::vector<Tensor> params, AdamOptions options)
    : Optimizer(std::move(params)),
      options_(options),
      exp_avgs_(params_.size()),
      exp_avg_sqs_(params_.size()),
      max_exp_avg_sqs_(params_.size()),
      steps_(params_.size()) {
  check(options_);
}

void Adam::step() {
  const Active a = active();
  TensorList m = a.pick(exp_avgs_), v = a.pick(exp_avg_sqs_), vmax = a.pick(max_exp_avg_sqs_),
             steps = a.pick(steps_);
  adam_update(a.params, a.grads, m, v, vmax, steps, options_);
  a.put(exp_avgs_, m);
  a.put(exp_avg_sqs_, v);
  a.put(max_exp_avg_sqs_, vmax);
  a.put(steps_, steps);
}

AdamW::AdamW(std::vector<Tensor> params, AdamOptions options)
    : Adam(std::move(params), options.decoupled_weight_decay(true)) {}

NAdam::NAdam(std::vector<Tensor> params, NAdamOptions options)
    : Optimizer(std::move(params)),
      options_(options),
      exp_avgs_(params_.size()),
      exp_avg_sqs_(params_.size()),
      mu_products_(params_.size()),
      steps_(params_.size()) {
  check(options_);
}

void NAdam::step() {
  const Active a = active();
  TensorList m = a.pick(exp_avgs_), v = a.pick(exp_avg_sqs_), mu = a.pick(mu_products_), steps = a.pick(steps_);
  nadam_update(a.params, a.grads, m, v, mu, steps, options_);
  a.put(exp_avgs_, m);
  a.put(exp_avg_sqs_, v);
  a.put(mu_products_, mu);
  a.put(steps_, steps);
}

}  // namespace minidl::optim
