// Shapes and strides (in elements), and the helpers every op needs: broadcasting,
// dim wrapping, contiguous strides. Errors name the values involved.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace minidl {

using Shape = std::vector<int64_t>;
using Strides = std::vector<int64_t>;

std::string shape_str(const Shape& s);  // "[2, 3]"
int64_t numel_of(const Shape& s);       // product, 1 for a 0-d shape
Strides contiguous_strides(const Shape& s);

// Wrap a possibly negative dim into [0, ndim); IndexError names dim and range.
int64_t wrap_dim(int64_t dim, int64_t ndim);
// For ops that accept dim in [-(ndim+1), ndim] (unsqueeze, stack).
int64_t wrap_dim_inclusive(int64_t dim, int64_t ndim);

// NumPy broadcasting; ValueError names both shapes when they do not broadcast.
Shape broadcast_shapes(const Shape& a, const Shape& b);
// Strides that read `shape`/`strides` as if broadcast to `target` (0 on broadcast dims).
Strides broadcast_strides(const Shape& shape, const Strides& strides, const Shape& target);

}  // namespace minidl
