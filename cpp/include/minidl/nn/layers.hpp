// Layer and activation kernels of minidl::nn (forward + gradient formulas in src/nn/).
// Python's minidl.nn modules and minidl.nn.functional call these; C++ programs call them
// directly. Optional tensor arguments (bias, weight, running statistics) are "absent" when
// passed as an undefined `Tensor()`.
#pragma once
#include <string>

#include "minidl/tensor.hpp"

namespace minidl::nn {

// ---- linear (src/nn/linear.cpp) ----

// y = x W^T + b: input (*, in), weight (out, in), bias (out) or undefined. The notes' column
// form z = W a + b, applied to every row. One gemm forward (bias folded in), one per gradient.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor());

// ---- activations (src/nn/activations.cpp), floating inputs ----

Tensor leaky_relu(const Tensor& input, double negative_slope = 0.01);
Tensor elu(const Tensor& input, double alpha = 1.0);
// weight: 1 element (shared slope) or C = input.shape[1] elements (one slope per channel).
Tensor prelu(const Tensor& input, const Tensor& weight);
Tensor silu(const Tensor& input);                                       // x * sigmoid(x) ("Swish")
Tensor gelu(const Tensor& input, const std::string& approximate = "none");  // "none" | "tanh"
Tensor softplus(const Tensor& input, double beta = 1.0, double threshold = 20.0);
Tensor hardtanh(const Tensor& input, double min_val = -1.0, double max_val = 1.0);
// The perceptron's units (any numeric dtype, result in the input's dtype). Their gradient is
// zero everywhere it exists, so nothing learns through them by backpropagation.
Tensor step(const Tensor& input);  // 1 if x >= 0 else 0
Tensor sign(const Tensor& input);  // 1, 0 or -1

// ---- dropout (src/nn/dropout.cpp) ----

// p: probability of dropping an element, in [0, 1]. Training: kept elements are scaled by
// 1 / (1 - p) (p == 1 gives zeros); not training: the input itself.
Tensor dropout(const Tensor& input, double p = 0.5, bool training = true);

// ---- normalisation (src/nn/norm.cpp) ----

// input (N, C, *). Training: normalise with the batch's mean and biased variance per channel
// and, when given, update running_mean / running_var in place:
//   running = (1 - momentum) * running + momentum * batch_statistic   (unbiased variance).
// Not training: normalise with the running statistics (required then).
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(), bool training = false,
                  double momentum = 0.1, double eps = 1e-5);

// Normalise over the last normalized_shape.size() dims (biased variance), then weight * . + bias
// (each of shape normalized_shape, or undefined).
Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);

}  // namespace minidl::nn
