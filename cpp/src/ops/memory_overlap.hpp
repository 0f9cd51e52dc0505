// Internal: where a tensor's elements lie in memory, for the code that writes tensors in place
// (inplace.cpp, the optimizers' updates in src/optim/).
#pragma once
#include "minidl/tensor.hpp"

namespace minidl::detail {

// Some dim of size > 1 has stride 0 (made by expand()): several elements share one address,
// so writing them in place is ill-defined.
bool has_broadcast_dim(const Tensor& t);

// Whether a and b may share memory. Compares addresses, not Storage objects: two tensors
// made by from_numpy over views of one array have separate Storages over the same bytes.
bool may_overlap(const Tensor& a, const Tensor& b);

// Same elements at the same addresses: reading and writing them in one pass is safe.
bool same_layout(const Tensor& a, const Tensor& b);

// `src` as a loop that writes `dst` may read it: src itself, or a copy (recorded by no graph)
// when it shares dst's memory in another layout (the loop would read values it has already
// written).
Tensor readable_source(const Tensor& src, const Tensor& dst);

}  // namespace minidl::detail
