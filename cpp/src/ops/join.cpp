// cat and stack: join tensors along an existing dim or a new one.
//
// The result is a fresh tensor in the dtype all inputs promote to; each input is copied
// into its slice of it. The gradient of each input is its slice of g, so nothing is summed.
#include "elementwise_util.hpp"
#include "minidl/ops/shape_ops.hpp"

namespace minidl {

namespace {

// dst = src, cast to dst's dtype (dst is a view into the result; equal shapes).
void copy_cast(const Tensor& dst, const Tensor& src) {
  dispatch(dst.dtype(), [&](auto out_tag) {
    using O = typename decltype(out_tag)::type;
    dispatch(src.dtype(), [&](auto in_tag) {
      using I = typename decltype(in_tag)::type;
      loops::unary<O, I>(dst, src, [](I v) {
        if constexpr (std::is_same_v<O, bool>) return v != I(0);
        else return static_cast<O>(v);
      });
    });
  });
}

DType joined_dtype(const std::vector<Tensor>& xs) {
  DType d = xs[0].dtype();
  for (const Tensor& x : xs) d = promote(d, x.dtype());
  return d;
}

// PyTorch's legacy rule: a 1-D tensor with no elements joins anything (it is skipped).
bool skipped_by_cat(const Tensor& x) { return x.dim() == 1 && x.numel() == 0; }

}  // namespace

// y = [x_0, x_1, ...] along dim      dx_i = g[..., begin_i:end_i, ...]
Tensor cat(const std::vector<Tensor>& xs, int64_t dim) {
  MINIDL_CHECK(!xs.empty(), ValueError, "cat: expected a non-empty list of tensors");
  for (size_t i = 0; i < xs.size(); ++i) {
    MINIDL_CHECK(xs[i].defined(), ValueError, "cat: tensor ", i, " is undefined");
    MINIDL_CHECK(xs[i].dim() > 0, ValueError, "cat: zero-dimensional tensor (at position ", i,
                 ") cannot be concatenated; use stack, or unsqueeze it first");
  }
  size_t ref = 0;
  while (ref < xs.size() && skipped_by_cat(xs[ref])) ++ref;
  if (ref == xs.size()) ref = 0;  // all empty: the result is empty too
  const Tensor& r = xs[ref];
  const int64_t d = wrap_dim(dim, r.dim());

  Shape out_shape = r.shape();
  out_shape[d] = 0;
  std::vector<int64_t> begin(xs.size(), -1);  // -1: skipped, gets no gradient
  for (size_t i = 0; i < xs.size(); ++i) {
    const Tensor& x = xs[i];
    if (i != ref && skipped_by_cat(x)) continue;
    MINIDL_CHECK(x.dim() == r.dim(), ValueError, "cat: tensors must have the same number of dimensions: tensor ", ref,
                 " has shape ", shape_str(r.shape()), " but tensor ", i, " has shape ", shape_str(x.shape()));
    for (int64_t k = 0; k < x.dim(); ++k)
      MINIDL_CHECK(k == d || x.shape()[k] == r.shape()[k], ValueError, "cat: sizes of tensors must match except in "
                   "dimension ", d, ": tensor ", ref, " has shape ", shape_str(r.shape()), " but tensor ", i,
                   " has shape ", shape_str(x.shape()), " (mismatch in dimension ", k, ")");
    begin[i] = out_shape[d];
    out_shape[d] += x.shape()[d];
  }

  Tensor y = Tensor::empty(out_shape, joined_dtype(xs));
  for (size_t i = 0; i < xs.size(); ++i)
    if (begin[i] >= 0) copy_cast(slice(y, d, begin[i], begin[i] + xs[i].shape()[d], 1), xs[i]);

  if (any_requires_grad(xs)) {
    std::vector<int64_t> len(xs.size());
    for (size_t i = 0; i < xs.size(); ++i) len[i] = begin[i] >= 0 ? xs[i].shape()[d] : 0;
    record("CatBackward0", xs, y, [d, begin, len](const Tensor& g, const Node& n) -> Grads {
      Grads out(begin.size());
      for (size_t i = 0; i < begin.size(); ++i)
        if (begin[i] >= 0 && n.needs_input_grad(i)) out[i] = slice(g, d, begin[i], begin[i] + len[i], 1);
      return out;
    });
  }
  return y;
}

// y[..., i, ...] = x_i (new dim)      dx_i = g.select(dim, i)
Tensor stack(const std::vector<Tensor>& xs, int64_t dim) {
  MINIDL_CHECK(!xs.empty(), ValueError, "stack: expected a non-empty list of tensors");
  for (size_t i = 0; i < xs.size(); ++i) {
    MINIDL_CHECK(xs[i].defined(), ValueError, "stack: tensor ", i, " is undefined");
    MINIDL_CHECK(xs[i].shape() == xs[0].shape(), ValueError, "stack expects each tensor to be equal size, but got ",
                 shape_str(xs[0].shape()), " at entry 0 and ", shape_str(xs[i].shape()), " at entry ", i);
  }
  const int64_t d = wrap_dim_inclusive(dim, xs[0].dim());
  Shape out_shape = xs[0].shape();
  out_shape.insert(out_shape.begin() + d, static_cast<int64_t>(xs.size()));

  Tensor y = Tensor::empty(out_shape, joined_dtype(xs));
  for (size_t i = 0; i < xs.size(); ++i) copy_cast(select(y, d, static_cast<int64_t>(i)), xs[i]);

  if (any_requires_grad(xs))
    record("StackBackward0", xs, y, [d](const Tensor& g, const Node& n) -> Grads {
      Grads out(n.next_edges().size());
      for (size_t i = 0; i < out.size(); ++i)
        if (n.needs_input_grad(i)) out[i] = select(g, d, static_cast<int64_t>(i));
      return out;
    });
  return y;
}

}  // namespace minidl
