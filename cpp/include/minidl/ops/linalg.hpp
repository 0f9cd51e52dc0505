// Matrix products through CBLAS gemm (xtensor-blas on OpenBLAS).
#pragma once
#include "minidl/tensor.hpp"

namespace minidl {

// NumPy/PyTorch matmul: 1-D x 1-D is a dot product, 1-D operands are promoted to a row
// or column and the added dim removed, batch dims (all but the last two) broadcast.
Tensor matmul(const Tensor& a, const Tensor& b);

}  // namespace minidl
