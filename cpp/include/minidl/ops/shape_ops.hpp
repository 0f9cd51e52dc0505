// Shape ops. Views share storage with their input; the rest copy.
#pragma once
#include <optional>
#include <vector>

#include "minidl/tensor.hpp"

namespace minidl {

// -1 in `shape` is inferred. view() refuses when strides make it impossible;
// reshape() copies then.
Tensor view(const Tensor& x, const Shape& shape);
Tensor reshape(const Tensor& x, const Shape& shape);
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims);
Tensor t(const Tensor& x);        // 2-D transpose (0-D and 1-D unchanged), like torch.t
Tensor mT(const Tensor& x);       // swap the last two dims (batches of matrices), like Tensor.mT
Tensor numpy_T(const Tensor& x);  // reverse all dims, like Tensor.T / numpy's .T
Tensor squeeze(const Tensor& x, std::optional<int64_t> dim = std::nullopt);
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor expand(const Tensor& x, const Shape& shape);  // -1 keeps a size
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor contiguous(const Tensor& x);  // x itself when already contiguous

// Basic indexing pieces (views). slice clamps start/stop like a Python slice (negative
// values count from the end; None = the whole dim); step must be > 0 (ValueError).
// select removes dim; a negative index counts from the end; out of range is an IndexError.
Tensor slice(const Tensor& x, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> stop,
             int64_t step = 1);
Tensor select(const Tensor& x, int64_t dim, int64_t index);

// Join along an existing dim (cat) or a new one (stack); the result dtype promotes over
// all inputs. cat skips 1-D empty tensors (PyTorch's legacy rule) so `cat([empty, x])` works.
Tensor cat(const std::vector<Tensor>& xs, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& xs, int64_t dim = 0);
// Views of x along dim: pieces of `size` (the last one may be shorter), or of the given sizes.
std::vector<Tensor> split(const Tensor& x, int64_t size, int64_t dim = 0);
std::vector<Tensor> split_sizes(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim = 0);

}  // namespace minidl
