// The update rules of minidl's optimizers: fused, in-place kernels over one parameter group.
//
// Each function updates params[i] from grads[i] in ONE pass over the parameter's elements,
// reading and writing its state in the same pass (no temporaries, no per-op sweeps). They are
// what minidl.optim's Python classes and the C++ classes of optimizer.hpp call.
//
// Common rules:
//  - params[i] and grads[i] have the same shape and floating dtype (float32 or float64); any
//    strides (a parameter made from a transposed NumPy array updates correctly).
//  - State vectors are aligned with params. An undefined entry (or an empty vector) means "no
//    state yet": it is created on this call, as PyTorch creates its state on the first step.
//    A state vector an option does not use (momentum buffers without momentum) is left alone.
//  - `steps` hold each parameter's step count t as a one-element tensor (PyTorch's 'step';
//    created as a float32 0-d tensor); the update increments it and uses the new t.
//  - Everything (options, shapes, dtypes, vector sizes) is checked before anything is written:
//    an error (ValueError / TypeError) leaves parameters and state unchanged.
//  - The writes record no autograd history and bump the version counter of each parameter and
//    state tensor, so a graph that saved a parameter's old value refuses to backward through it.
//
// Notation (the course notes'): w parameter, g gradient, lr learning rate, lambda weight decay,
// t step count; each .cpp gives its rule in full.
#pragma once
#include <vector>

#include "minidl/optim/options.hpp"
#include "minidl/tensor.hpp"

namespace minidl::optim {

using TensorList = std::vector<Tensor>;

// v = mu v + (1 - dampening) g  (v = g on the first step);  w -= lr v  (src/optim/sgd.cpp)
void sgd_update(const TensorList& params, const TensorList& grads, TensorList& momentum_buffers,
                const SGDOptions& options);

// r += g^2;  w -= lr_t g / (sqrt(r) + eps), or / sqrt(r + eps)  (src/optim/adagrad.cpp)
void adagrad_update(const TensorList& params, const TensorList& grads, TensorList& sums, TensorList& steps,
                    const AdagradOptions& options);

// r = alpha r + (1 - alpha) g^2;  w -= lr g / (sqrt(r) + eps)  (src/optim/rmsprop.cpp)
void rmsprop_update(const TensorList& params, const TensorList& grads, TensorList& square_avgs, TensorList& grad_avgs,
                    TensorList& momentum_buffers, TensorList& steps, const RMSpropOptions& options);

// r = rho r + (1 - rho) g^2;  d = sqrt(u + eps) / sqrt(r + eps) g;  u = rho u + (1 - rho) d^2;
// w -= lr d  (src/optim/adadelta.cpp)
void adadelta_update(const TensorList& params, const TensorList& grads, TensorList& square_avgs,
                     TensorList& acc_deltas, TensorList& steps, const AdadeltaOptions& options);

// Adam / AdamW (decoupled_weight_decay):  m, v moving averages of g, g^2;
// w -= lr m / (1 - b1^t) / (sqrt(v / (1 - b2^t)) + eps), or eps inside the root  (src/optim/adam.cpp)
void adam_update(const TensorList& params, const TensorList& grads, TensorList& exp_avgs, TensorList& exp_avg_sqs,
                 TensorList& max_exp_avg_sqs, TensorList& steps, const AdamOptions& options);

// NAdam: Adam with Nesterov momentum and a momentum schedule mu_t  (src/optim/nadam.cpp)
void nadam_update(const TensorList& params, const TensorList& grads, TensorList& exp_avgs, TensorList& exp_avg_sqs,
                  TensorList& mu_products, TensorList& steps, const NAdamOptions& options);

}  // namespace minidl::optim
