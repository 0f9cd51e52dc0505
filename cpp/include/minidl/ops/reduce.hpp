// Reductions over dims (`dims` empty = all dims), and the softmax family.
#pragma once
#include <optional>
#include <utility>
#include <vector>

#include "minidl/tensor.hpp"

namespace minidl {

using Dims = std::vector<int64_t>;

Tensor sum(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
// Variance with Bessel's correction `correction` (1 = unbiased, PyTorch's default; 0 = biased).
Tensor var(const Tensor& x, const Dims& dims = {}, double correction = 1.0, bool keepdim = false);
Tensor std(const Tensor& x, const Dims& dims = {}, double correction = 1.0, bool keepdim = false);

// max/min over one dim: (values, int64 indices); over everything: a 0-d value.
std::pair<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim = false);
std::pair<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor max(const Tensor& x);
Tensor min(const Tensor& x);
Tensor argmax(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);

// Logical reductions (any dtype; nonzero = true), bool results, no gradient.
Tensor any(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
Tensor all(const Tensor& x, const Dims& dims = {}, bool keepdim = false);

Tensor logsumexp(const Tensor& x, const Dims& dims, bool keepdim = false);
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

// Sum `x` down to `shape` (the inverse of broadcasting `shape` up to x.shape()).
// The autograd engine calls this in one place for every broadcast input.
Tensor sum_to(const Tensor& x, const Shape& shape);

}  // namespace minidl
