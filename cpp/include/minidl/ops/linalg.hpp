// Matrix products through CBLAS gemm (xtensor-blas on OpenBLAS).
#pragma once
#include "minidl/tensor.hpp"

namespace minidl {

// NumPy/PyTorch matmul: 1-D x 1-D is a dot product, 1-D operands are promoted to a row
// or column and the added dim removed, batch dims (all but the last two) broadcast.
// The result dtype is the promotion of both (float32 @ float64 is float64); int64 works
// (plain loops), bool raises TypeError.
Tensor matmul(const Tensor& a, const Tensor& b);

// The strict forms, as in PyTorch: mm needs two matrices, bmm two 3-D stacks with the
// same batch size (no broadcasting), dot two 1-D vectors of the same length.
Tensor mm(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);
Tensor dot(const Tensor& a, const Tensor& b);

}  // namespace minidl
