// The backward pass: from output gradients to leaf gradients.
#pragma once
#include <vector>

#include "minidl/tensor.hpp"

namespace minidl {

// Accumulate d(sum_i <roots[i], grads[i]>)/d(leaf) into every leaf's .grad.
void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads, bool retain_graph);

// The same gradients for `inputs`, returned instead of accumulated (autograd.grad).
// An input the outputs do not depend on gives an undefined Tensor if allow_unused,
// otherwise a RuntimeError.
std::vector<Tensor> compute_grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs,
                                 const std::vector<Tensor>& inputs, bool retain_graph, bool allow_unused);

}  // namespace minidl
