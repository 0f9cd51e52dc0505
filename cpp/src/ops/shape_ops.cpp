// Shape ops. Views share the input's storage (no copy); their gradient is the inverse
// view of the incoming gradient.
#include "minidl/ops/shape_ops.hpp"

#include <numeric>

#include "elementwise_util.hpp"
#include "minidl/creation.hpp"
#include "minidl/grad_mode.hpp"
#include "minidl/ops/reduce.hpp"

namespace minidl {

namespace {

// A view of x with new geometry, marked as a view: an in-place op that would record
// history on it is refused, since the base tensor would never learn of that history
// (PyTorch rewrites the base's graph for this; minidl keeps autograd simpler).
Tensor make_view_of(const Tensor& x, Shape shape, Strides strides, int64_t offset) {
  Tensor v = Tensor::make_view(x.storage(), x.dtype(), std::move(shape), std::move(strides), offset);
  v.impl()->is_view = true;
  return v;
}

// Replace a -1 in `shape` by what makes numel match; ValueError on a mismatch.
Shape infer_shape(const Shape& shape, int64_t numel) {
  Shape out = shape;
  int64_t known = 1, infer_at = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      MINIDL_CHECK(infer_at < 0, ValueError, "only one dimension can be inferred (-1) in shape ", shape_str(shape));
      infer_at = static_cast<int64_t>(i);
    } else {
      MINIDL_CHECK(out[i] >= 0, ValueError, "invalid shape dimension ", out[i], " in ", shape_str(shape));
      known *= out[i];
    }
  }
  if (infer_at >= 0) {
    MINIDL_CHECK(known != 0 && numel % known == 0, ValueError, "shape ", shape_str(shape),
                 " is invalid for input of size ", numel);
    out[infer_at] = numel / known;
  }
  MINIDL_CHECK(numel_of(out) == numel, ValueError, "shape ", shape_str(shape), " is invalid for input of size ", numel);
  return out;
}

// Strides for viewing (shape, strides) as new_shape without a copy, if possible: the
// algorithm of NumPy's _attempt_nocopy_reshape. Size-1 dims of the input are dropped first,
// since their stride is arbitrary (a [1, 6] tensor with strides [1, 1] is still flat).
// Groups of input dims that multiply to a group of output dims must be contiguous with
// each other. Empty optional when impossible.
std::optional<Strides> view_strides(const Shape& shape_in, const Strides& strides_in, const Shape& new_shape) {
  if (numel_of(shape_in) == 0) return contiguous_strides(new_shape);
  Shape shape;
  Strides strides;
  shape.reserve(shape_in.size());
  strides.reserve(shape_in.size());
  for (size_t i = 0; i < shape_in.size(); ++i)
    if (shape_in[i] != 1) {
      shape.push_back(shape_in[i]);
      strides.push_back(strides_in[i]);
    }
  Strides out(new_shape.size(), 1);
  size_t oi = 0, oj = 1, ni = 0, nj = 1;
  const size_t on = shape.size(), nn = new_shape.size();
  while (ni < nn && oi < on) {
    int64_t np = new_shape[ni], op = shape[oi];
    while (np != op) {
      if (np < op) np *= new_shape[nj++];
      else op *= shape[oj++];
    }
    for (size_t k = oi; k + 1 < oj; ++k)
      if (strides[k] != shape[k + 1] * strides[k + 1]) return std::nullopt;
    out[nj - 1] = strides[oj - 1];
    for (size_t k = nj - 1; k > ni; --k) out[k - 1] = out[k] * new_shape[k];
    ni = nj++;
    oi = oj++;
  }
  // trailing size-1 dims of the new shape: any stride works; the last one keeps it tidy
  const int64_t last = ni >= 1 ? out[ni - 1] : 1;
  for (size_t k = ni; k < nn; ++k) out[k] = last;
  return out;
}

// The gradient of a view that picks part of x: zeros of x's shape with g written into
// the picked part (`pick` makes that part of a tensor as a view).
template <class Pick>
Tensor embed(const Shape& x_shape, const Tensor& g, const Pick& pick) {
  Tensor out = zeros(x_shape, g.dtype());
  Tensor part = pick(out);
  copy_(part, g);
  return out;
}

}  // namespace

namespace {

// x's data as shape s (numel already checked), if its strides allow: a contiguous x always does,
// with the standard strides (as NumPy gives); reshape is on every layer's hot path.
std::optional<Strides> strides_for(const Tensor& x, const Shape& s) {
  if (x.is_contiguous()) return contiguous_strides(s);
  return view_strides(x.shape(), x.strides(), s);
}

Tensor view_as_shape(const Tensor& x, Shape s, Strides st) {
  Tensor y = make_view_of(x, std::move(s), std::move(st), x.offset());
  if (any_requires_grad({&x}))
    record("ViewBackward0", {x}, y, [in_shape = x.shape()](const Tensor& g, const Node&) -> Grads {
      return {reshape(g, in_shape)};
    });
  return y;
}

}  // namespace

// view: same data, new shape            dx = g.reshape(x.shape)
Tensor view(const Tensor& x, const Shape& shape) {
  Shape s = infer_shape(shape, x.numel());
  auto st = strides_for(x, s);
  MINIDL_CHECK(st.has_value(), Error, "view size ", shape_str(s), " is not compatible with input tensor's size ",
               shape_str(x.shape()), " and strides; at least one dimension spans across two contiguous "
               "subspaces. Use .reshape(...) instead.");
  return view_as_shape(x, std::move(s), std::move(*st));
}

// reshape: a view when strides allow, else a contiguous copy
Tensor reshape(const Tensor& x, const Shape& shape) {
  Shape s = infer_shape(shape, x.numel());
  if (auto st = strides_for(x, s)) return view_as_shape(x, std::move(s), std::move(*st));
  const Tensor c = contiguous(x);
  return view_as_shape(c, s, contiguous_strides(s));
}

// transpose: swap two dims               dx = g.transpose(d0, d1)
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  const int64_t d0 = wrap_dim(dim0, x.dim()), d1 = wrap_dim(dim1, x.dim());
  if (x.dim() == 0) return view(x, {});
  Shape s = x.shape();
  Strides st = x.strides();
  std::swap(s[d0], s[d1]);
  std::swap(st[d0], st[d1]);
  Tensor y = make_view_of(x, s, st, x.offset());
  if (any_requires_grad({&x}))
    record("TransposeBackward0", {x}, y, [d0, d1](const Tensor& g, const Node&) -> Grads { return {transpose(g, d0, d1)}; });
  return y;
}

// permute: reorder dims                  dx = g.permute(inverse)
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims) {
  const int64_t n = x.dim();
  MINIDL_CHECK(static_cast<int64_t>(dims.size()) == n, ValueError, "permute: number of dims (", dims.size(),
               ") doesn't match the tensor's number of dims (", n, ")");
  std::vector<int64_t> p(n), inverse(n, -1);
  Shape s(n);
  Strides st(n);
  for (int64_t i = 0; i < n; ++i) {
    p[i] = wrap_dim(dims[i], n);
    MINIDL_CHECK(inverse[p[i]] < 0, ValueError, "permute: dim ", dims[i], " appears more than once");
    inverse[p[i]] = i;
    s[i] = x.shape()[p[i]];
    st[i] = x.strides()[p[i]];
  }
  Tensor y = make_view_of(x, s, st, x.offset());
  if (any_requires_grad({&x}))
    record("PermuteBackward0", {x}, y, [inverse](const Tensor& g, const Node&) -> Grads { return {permute(g, inverse)}; });
  return y;
}

Tensor t(const Tensor& x) {
  MINIDL_CHECK(x.dim() <= 2, ValueError, "t() expects a tensor with <= 2 dimensions, but got ", x.dim(),
               "D; use transpose(dim0, dim1) or .mT");
  return x.dim() < 2 ? view(x, x.shape()) : transpose(x, 0, 1);
}

Tensor mT(const Tensor& x) {
  MINIDL_CHECK(x.dim() >= 2, ValueError, "tensor.mT is only supported on matrices or batches of matrices, got ",
               x.dim(), "-D tensor of shape ", shape_str(x.shape()));
  return transpose(x, -2, -1);
}

Tensor numpy_T(const Tensor& x) {
  std::vector<int64_t> dims(x.dim());
  std::iota(dims.rbegin(), dims.rend(), 0);
  return permute(x, dims);
}

// squeeze: drop size-1 dims              dx = g.reshape(x.shape)
Tensor squeeze(const Tensor& x, std::optional<int64_t> dim) {
  Shape s;
  Strides st;
  const int64_t d = dim ? wrap_dim(*dim, x.dim()) : -1;
  for (int64_t i = 0; i < x.dim(); ++i) {
    const bool drop = x.shape()[i] == 1 && (d < 0 || i == d);
    if (!drop) {
      s.push_back(x.shape()[i]);
      st.push_back(x.strides()[i]);
    }
  }
  Tensor y = make_view_of(x, s, st, x.offset());
  if (any_requires_grad({&x}))
    record(dim ? "SqueezeBackward1" : "SqueezeBackward0", {x}, y,
           [in_shape = x.shape()](const Tensor& g, const Node&) -> Grads { return {reshape(g, in_shape)}; });
  return y;
}

// unsqueeze: insert a size-1 dim         dx = g.squeeze(dim)
Tensor unsqueeze(const Tensor& x, int64_t dim) {
  const int64_t d = wrap_dim_inclusive(dim, x.dim());
  Shape s = x.shape();
  Strides st = x.strides();
  const int64_t stride = d < x.dim() ? x.strides()[d] * x.shape()[d] : 1;
  s.insert(s.begin() + d, 1);
  st.insert(st.begin() + d, stride);
  Tensor y = make_view_of(x, s, st, x.offset());
  if (any_requires_grad({&x}))
    record("UnsqueezeBackward0", {x}, y, [d](const Tensor& g, const Node&) -> Grads { return {squeeze(g, d)}; });
  return y;
}

// expand: broadcast size-1 dims without copying (stride 0)
//                                         dx = g summed back to x.shape (by the engine)
Tensor expand(const Tensor& x, const Shape& shape) {
  MINIDL_CHECK(shape.size() >= static_cast<size_t>(x.dim()), ValueError, "expand: the number of sizes provided (",
               shape.size(), ") must be greater or equal to the number of dimensions in the tensor (", x.dim(), ")");
  const size_t lead = shape.size() - x.dim();
  Shape s(shape.size());
  Strides st(shape.size(), 0);
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i < lead) {
      MINIDL_CHECK(shape[i] >= 0, ValueError, "expand: the size of a new leading dimension must be given "
                   "(not ", shape[i], "), got ", shape_str(shape));
      s[i] = shape[i];
      continue;
    }
    const int64_t have = x.shape()[i - lead];
    const int64_t want = shape[i] == -1 ? have : shape[i];
    MINIDL_CHECK(want >= 0, ValueError, "expand: invalid size ", shape[i], " at dim ", i, " in ", shape_str(shape));
    MINIDL_CHECK(have == want || have == 1, ValueError, "expand: the expanded size of the tensor (", want,
                 ") must match the existing size (", have, ") at non-singleton dimension ", i, ". Target sizes: ",
                 shape_str(shape), ". Tensor sizes: ", shape_str(x.shape()));
    s[i] = want;
    st[i] = have == want ? x.strides()[i - lead] : 0;
  }
  Tensor y = make_view_of(x, s, st, x.offset());
  if (any_requires_grad({&x}))
    record("ExpandBackward0", {x}, y, [](const Tensor& g, const Node&) -> Grads { return {g}; });
  return y;
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  const int64_t s = wrap_dim(start_dim, x.dim()), e = wrap_dim(end_dim, x.dim());  // 0-d: dims 0, -1
  if (x.dim() == 0) return reshape(x, {1});
  MINIDL_CHECK(s <= e, ValueError, "flatten: start_dim (", start_dim, ") cannot come after end_dim (", end_dim, ")");
  Shape shape(x.shape().begin(), x.shape().begin() + s);
  int64_t merged = 1;
  for (int64_t i = s; i <= e; ++i) merged *= x.shape()[i];
  shape.push_back(merged);
  shape.insert(shape.end(), x.shape().begin() + e + 1, x.shape().end());
  return reshape(x, shape);
}

Tensor contiguous(const Tensor& x) { return x.is_contiguous() ? x : clone(x); }

// slice: x[start:stop:step] along dim, bounds clamped as Python does
//                                         dx = zeros(x.shape) with g in the slice
Tensor slice(const Tensor& x, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step) {
  MINIDL_CHECK(x.dim() > 0, IndexError, "slice() cannot be applied to a 0-dim tensor");
  MINIDL_CHECK(step > 0, ValueError, "step must be greater than zero (got ", step, ")");
  const int64_t d = wrap_dim(dim, x.dim()), n = x.shape()[d];
  auto clamp_index = [n](std::optional<int64_t> i, int64_t fallback) {
    if (!i) return fallback;
    const int64_t v = *i < 0 ? *i + n : *i;  // *i >= INT64_MIN and n >= 0: no overflow
    return std::min(std::max<int64_t>(v, 0), n);
  };
  const int64_t b = clamp_index(start, 0), e = clamp_index(stop, n);
  const int64_t len = e > b ? (e - b - 1) / step + 1 : 0;
  Shape s = x.shape();
  Strides st = x.strides();
  s[d] = len;
  st[d] *= step;
  Tensor y = make_view_of(x, s, st, x.offset() + (len > 0 ? b * x.strides()[d] : 0));
  if (any_requires_grad({&x}))
    record("SliceBackward0", {x}, y, [in_shape = x.shape(), d, b, e, step](const Tensor& g, const Node&) -> Grads {
      return {embed(in_shape, g, [&](const Tensor& z) { return slice(z, d, b, e, step); })};
    });
  return y;
}

// select: x[..., i, ...] at dim, removing it   dx = zeros(x.shape) with g at index i
Tensor select(const Tensor& x, int64_t dim, int64_t index) {
  MINIDL_CHECK(x.dim() > 0, IndexError, "select() cannot be applied to a 0-dim tensor");
  const int64_t d = wrap_dim(dim, x.dim()), n = x.shape()[d];
  MINIDL_CHECK(index >= -n && index < n, IndexError, "index ", index, " is out of range for dimension ", d,
               " with size ", n);
  const int64_t i = index < 0 ? index + n : index;
  Shape s = x.shape();
  Strides st = x.strides();
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  Tensor y = make_view_of(x, s, st, x.offset() + i * x.strides()[d]);
  if (any_requires_grad({&x}))
    record("SelectBackward0", {x}, y, [in_shape = x.shape(), d, i](const Tensor& g, const Node&) -> Grads {
      return {embed(in_shape, g, [&](const Tensor& z) { return select(z, d, i); })};
    });
  return y;
}

// split / chunk: consecutive slices, so each piece is a view with its own gradient.
std::vector<Tensor> split_sizes(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim) {
  MINIDL_CHECK(x.dim() > 0, ValueError, "split: expected at least a 1-dimensional tensor");
  const int64_t d = wrap_dim(dim, x.dim()), n = x.shape()[d];
  int64_t total = 0;
  for (int64_t s : sizes) {
    MINIDL_CHECK(s >= 0, ValueError, "split: split sizes must be non-negative, got ", shape_str(sizes));
    total += s;
  }
  MINIDL_CHECK(total == n, ValueError, "split: split sizes ", shape_str(sizes), " must sum to the size of dim ", d,
               " (", n, "), but they sum to ", total);
  std::vector<Tensor> out;
  int64_t at = 0;
  for (int64_t s : sizes) {
    out.push_back(slice(x, d, at, at + s, 1));
    at += s;
  }
  return out;
}

std::vector<Tensor> split(const Tensor& x, int64_t size, int64_t dim) {
  MINIDL_CHECK(x.dim() > 0, ValueError, "split: expected at least a 1-dimensional tensor");
  const int64_t d = wrap_dim(dim, x.dim()), n = x.shape()[d];
  MINIDL_CHECK(size > 0 || (size == 0 && n == 0), ValueError, "split: split_size must be positive, got ", size,
               " for a dim of size ", n);
  if (n == 0) return {slice(x, d, 0, 0, 1)};
  std::vector<int64_t> sizes(n / size, size);
  if (n % size) sizes.push_back(n % size);
  return split_sizes(x, sizes, d);
}

std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  MINIDL_CHECK(chunks > 0, ValueError, "chunk: chunks must be greater than 0, got ", chunks);
  MINIDL_CHECK(x.dim() > 0, ValueError, "chunk: expected at least a 1-dimensional tensor");
  const int64_t d = wrap_dim(dim, x.dim()), n = x.shape()[d];
  // PyTorch's rule: pieces of ceil(n / chunks), so there may be fewer than `chunks`;
  // an empty dim still gives `chunks` empty pieces.
  if (n == 0) {
    // (PyTorch runs out of memory on chunk(empty, 2**40); refuse before allocating the pieces)
    MINIDL_CHECK(chunks <= (int64_t{1} << 20), ValueError, "chunk: ", chunks, " empty pieces of an empty dim ",
                 d, " are too many (at most 2**20)");
    return split_sizes(x, std::vector<int64_t>(chunks, 0), d);
  }
  return split(x, n / chunks + (n % chunks != 0), d);  // ceil(n / chunks); n + chunks - 1 could overflow
}

}  // namespace minidl
