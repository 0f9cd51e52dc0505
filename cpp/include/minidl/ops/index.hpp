// Integer-tensor indexing: index_select, gather, and NumPy-style indexing with a mix of
// ints, slices, None, Ellipsis, integer and bool tensors.
#pragma once
#include <optional>
#include <vector>

#include "minidl/tensor.hpp"

namespace minidl {

// Index tensors are int64 (IndexError otherwise) with values in [0, size) (IndexError
// naming the index, dim and size, checked before any memory is touched).
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);  // index: 1-D or 0-D
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);        // index: x's ndim
// The gradients of the two above: scatter-add into zeros of `shape` (repeated indices sum).
// index_add: src has `shape` with dim replaced by index.numel(); scatter_add: src has index's shape.
Tensor index_add(const Shape& shape, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter_add(const Shape& shape, int64_t dim, const Tensor& index, const Tensor& src);
Tensor nonzero(const Tensor& x);  // (n, ndim) int64 coordinates, row-major order

// One item of an index expression x[a, b, ...].
struct IndexItem {
  enum Kind { Int, Slice, None, Ellipsis, TensorIndex } kind = Int;
  int64_t value = 0;                                // Int
  std::optional<int64_t> start, stop; int64_t step = 1;  // Slice
  Tensor tensor;                                    // TensorIndex (int64 or bool)
  static IndexItem integer(int64_t v) { return make(Int, v); }
  static IndexItem range(std::optional<int64_t> a, std::optional<int64_t> b, int64_t s) {
    IndexItem i = make(Slice); i.start = a; i.stop = b; i.step = s; return i;
  }
  static IndexItem none() { return make(None); }
  static IndexItem ellipsis() { return make(Ellipsis); }
  static IndexItem tensor_index(Tensor t) { IndexItem i = make(TensorIndex); i.tensor = std::move(t); return i; }
  static IndexItem make(Kind k, int64_t v = 0) { IndexItem i; i.kind = k; i.value = v; return i; }
};

// x[items]: a view when there is no tensor index, a copy (NumPy's advanced indexing) otherwise.
// With tensor indices, ints count as advanced indices too; all broadcast together and their
// result dims go where they stand if the advanced items are adjacent, else first. A bool
// mask stands for the int64 coordinates of its non-zero elements. Negative ints wrap.
Tensor index(const Tensor& x, const std::vector<IndexItem>& items);
// x[items] = value: value broadcast to the indexed shape (after dropping its leading size-1
// dims) and cast to x's dtype. In place: bumps the version; with repeated indices the last
// write wins. Refused on leaves that require grad and on views of tracked tensors.
void index_put_(Tensor& x, const std::vector<IndexItem>& items, const Tensor& value);

}  // namespace minidl
