// Integer-tensor indexing: index_select, gather and their scatter-add gradients, nonzero,
// and NumPy-style x[items] / x[items] = value.
//
// Every index is checked against its dim's size before any memory is read or written,
// so a bad index is an IndexError, never a wild read. Kernels run after validation only
// (nothing may throw inside an OpenMP region).
#include "minidl/ops/index.hpp"

#include <algorithm>
#include <cstring>

#include "elementwise_util.hpp"
#include "minidl/creation.hpp"
#include "minidl/grad_mode.hpp"
#include "minidl/ops/shape_ops.hpp"

namespace minidl {

namespace {

// f(offset, multi_index) for every position of a (shape, strides) geometry, row-major.
template <class F>
void for_each_offset(const Shape& shape, const Strides& strides, const F& f) {
  const int64_t n = numel_of(shape);
  std::vector<int64_t> idx(shape.size(), 0);
  int64_t off = 0;
  for (int64_t i = 0; i < n; ++i) {
    f(off, idx);
    for (size_t d = shape.size(); d-- > 0;) {  // odometer step
      off += strides[d];
      if (++idx[d] < shape[d]) break;
      off -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

std::vector<int64_t> offsets_of(const Shape& shape, const Strides& strides) {
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(numel_of(shape)));
  for_each_offset(shape, strides, [&](int64_t off, const std::vector<int64_t>&) { out.push_back(off); });
  return out;
}

// The offsets of a run of elements (the inner dims an index leaves alone): a table, or
// k * step when evenly spaced, the common case, which the loops below then vectorise.
struct Run {
  std::vector<int64_t> table;
  int64_t step = 1;
  bool even = true;
  int64_t size() const { return static_cast<int64_t>(table.size()); }
};

Run run_of(const Shape& shape, const Strides& strides) {
  Run r{offsets_of(shape, strides)};
  r.step = r.table.size() > 1 ? r.table[1] : 1;
  for (int64_t k = 0; k < r.size() && r.even; ++k) r.even = r.table[k] == k * r.step;
  return r;
}

// f(k, offset of element k) over a run.
template <class F>
inline void for_run(const Run& r, const F& f) {
  const int64_t n = r.size();
  if (r.even && r.step == 1) {
    for (int64_t k = 0; k < n; ++k) f(k, k);
  } else if (r.even) {
    for (int64_t k = 0, s = r.step; k < n; ++k) f(k, k * s);
  } else {
    for (int64_t k = 0; k < n; ++k) f(k, r.table[k]);
  }
}

void check_index_dtype(const Tensor& index, const char* op) {
  MINIDL_CHECK(index.dtype() == DType::Int64, IndexError, op, ": expected an int64 index tensor, got ",
               dtype_name(index.dtype()));
}

// IndexError for the first index outside [-n, n) (negatives allowed) or [0, n).
void check_bounds(const Tensor& idx, int64_t n, bool allow_negative, const char* op, int64_t dim) {
  const int64_t* p = idx.data<int64_t>();
  const int64_t lo = allow_negative ? -n : 0;
  for (int64_t i = 0, m = idx.numel(); i < m; ++i)
    if (p[i] < lo || p[i] >= n)
      throw IndexError(str(op, "index ", p[i], " is out of bounds for dimension ", dim, " with size ", n));
}

// Sizes of the dims before and after `d`, as products.
int64_t prod(const Shape& s, size_t b, size_t e) {
  int64_t p = 1;
  for (size_t i = b; i < e; ++i) p *= s[i];
  return p;
}

}  // namespace

// ---------------------------------------------------------------------------------
// index_select / index_add

// y = x.index_select(dim, index)       dx = index_add(zeros(x.shape), dim, index, g)
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  check_index_dtype(index, "index_select()");
  MINIDL_CHECK(index.dim() <= 1, IndexError, "index_select(): index must be a vector (1-D) or a scalar, got shape ",
               shape_str(index.shape()));
  if (x.dim() == 0) return reshape(index_select(reshape(x, {1}), 0, index), index.dim() == 0 ? Shape{} : Shape{-1});
  const int64_t d = wrap_dim(dim, x.dim()), n = x.shape()[d];
  const Tensor idx = contiguous(index);
  check_bounds(idx, n, false, "index_select(): ", d);

  const int64_t m = idx.numel();
  Shape out_shape = x.shape();
  out_shape[d] = m;
  Tensor y = Tensor::empty(out_shape, x.dtype());
  const int64_t* pi = idx.data<int64_t>();
  if (d == 0 && x.is_contiguous()) {  // rows of a contiguous tensor (a DataLoader's batch): one copy each
    const int64_t row = x.numel() / std::max<int64_t>(n, 1), bytes = row * static_cast<int64_t>(itemsize(x.dtype()));
    const char* px = static_cast<const char*>(x.raw_data());
    char* py = static_cast<char*>(y.raw_data());
    parallel_for(m, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(row, 1)), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) std::memcpy(py + r * bytes, px + pi[r] * bytes, static_cast<size_t>(bytes));
    });
  } else {
    const Shape outer_shape(x.shape().begin(), x.shape().begin() + d), inner_shape(x.shape().begin() + d + 1, x.shape().end());
    const auto oo = offsets_of(outer_shape, Strides(x.strides().begin(), x.strides().begin() + d));
    const Run io = run_of(inner_shape, Strides(x.strides().begin() + d + 1, x.strides().end()));
    const int64_t inner = io.size(), sd = x.strides()[d];
    dispatch(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* px = x.data<T>();
      T* py = y.data<T>();
      parallel_for(static_cast<int64_t>(oo.size()) * m, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(inner, 1)),
                   [&](int64_t r0, int64_t r1) {
                     for (int64_t r = r0; r < r1; ++r) {
                       const T* src = px + oo[r / m] + pi[r % m] * sd;
                       T* dst = py + r * inner;
                       for_run(io, [&](int64_t k, int64_t o) { dst[k] = src[o]; });
                     }
                   });
    });
  }
  if (any_requires_grad({&x}))
    record("IndexSelectBackward0", {x}, y, [shape = x.shape(), d, si = SavedTensor(idx)](const Tensor& g, const Node&) -> Grads {
      return {index_add(shape, d, si.get(), g)};
    });
  return y;
}

// y = zeros(shape); y[..., index[j], ...] += src[..., j, ...]   (repeated indices sum)
//                                      dsrc = g.index_select(dim, index)
Tensor index_add(const Shape& shape, int64_t dim, const Tensor& index, const Tensor& src) {
  check_index_dtype(index, "index_add()");
  MINIDL_CHECK(index.dim() <= 1, IndexError, "index_add(): index must be a vector (1-D) or a scalar, got shape ",
               shape_str(index.shape()));
  if (shape.empty()) return reshape(index_add({1}, 0, index, reshape(src, {-1})), {});
  const int64_t d = wrap_dim(dim, static_cast<int64_t>(shape.size())), n = shape[d];
  const Tensor idx = contiguous(index);
  const int64_t m = idx.numel();
  Shape want = shape;
  want[d] = m;
  MINIDL_CHECK(src.shape() == want, ValueError, "index_add(): source of shape ", shape_str(src.shape()),
               " does not match the expected shape ", shape_str(want), " (", m, " indices along dim ", d, ")");
  check_bounds(idx, n, false, "index_add(): ", d);

  Tensor y = zeros(shape, src.dtype());
  const Shape outer_shape(shape.begin(), shape.begin() + d), inner_shape(shape.begin() + d + 1, shape.end());
  const auto so = offsets_of(outer_shape, Strides(src.strides().begin(), src.strides().begin() + d));
  const std::vector<int64_t> si = offsets_of(inner_shape, Strides(src.strides().begin() + d + 1, src.strides().end()));
  const int64_t outer = static_cast<int64_t>(so.size()), inner = static_cast<int64_t>(si.size());
  const int64_t ssd = src.strides()[d];
  const int64_t* pi = idx.data<int64_t>();
  dispatch(src.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* ps = src.data<T>();
    T* py = y.data<T>();
    // Threads own disjoint ranges of the inner positions, so repeated indices never race.
    parallel_for(inner, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(outer * m, 1)), [&](int64_t k0, int64_t k1) {
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t j = 0; j < m; ++j) {
          const T* s = ps + so[o] + j * ssd;
          T* dst = py + (o * n + pi[j]) * inner;
          for (int64_t k = k0; k < k1; ++k) {
            if constexpr (std::is_same_v<T, bool>) dst[k] = dst[k] || s[si[k]];
            else dst[k] += s[si[k]];
          }
        }
    });
  });
  if (any_requires_grad({&src}))
    record("IndexAddBackward0", {src}, y, [d, si = SavedTensor(idx)](const Tensor& g, const Node&) -> Grads {
      return {index_select(g, d, si.get())};
    });
  return y;
}

// ---------------------------------------------------------------------------------
// gather / scatter_add

namespace {

// Shared checks of gather and scatter_add: same ndim, index no larger than `base` off dim,
// values in [0, size of dim). Returns the wrapped dim and the index made contiguous.
std::pair<int64_t, Tensor> check_gather_index(const Shape& base, const Tensor& index, int64_t dim, const char* op) {
  check_index_dtype(index, op);
  const int64_t nd = static_cast<int64_t>(base.size());
  MINIDL_CHECK(index.dim() == nd, ValueError, op, ": index tensor must have the same number of dimensions as the "
               "input tensor (", nd, "), got index of shape ", shape_str(index.shape()));
  const int64_t d = wrap_dim(dim, nd);
  for (int64_t k = 0; k < nd; ++k)
    MINIDL_CHECK(k == d || index.shape()[k] <= base[k], ValueError, op, ": size does not match at dimension ", k,
                 ": expected index ", shape_str(index.shape()), " to be no larger than ", shape_str(base),
                 " apart from dimension ", d);
  Tensor idx = contiguous(index);
  check_bounds(idx, nd == 0 ? 1 : base[d], false, str(op, ": ").c_str(), d);
  return {d, idx};
}

// Geometry for walking index positions with `dim` innermost; `fold` is the stride that
// turns an index value into an offset along dim (the operand walking that side gets 0).
Strides moved_last(const Strides& st, int64_t d) {
  Strides out;
  for (size_t k = 0; k < st.size(); ++k)
    if (static_cast<int64_t>(k) != d) out.push_back(st[k]);
  if (!st.empty()) out.push_back(st[d]);
  return out;
}

}  // namespace

// y[i][j][k] = x[i][index[i][j][k]][k]   (dim = 1)
//                                      dx = scatter_add(zeros(x.shape), dim, index, g)
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  const auto checked = check_gather_index(x.shape(), index, dim, "gather()");
  const int64_t d = checked.first;
  const Tensor idx = checked.second;
  Tensor y = Tensor::empty(idx.shape(), x.dtype());
  const int64_t xsd = x.dim() == 0 ? 0 : x.strides()[d];
  Strides x_st = x.strides();
  if (x.dim() > 0) x_st[d] = 0;  // walked by the index value instead
  const int64_t* pi = idx.data<int64_t>();
  dispatch(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* px = x.data<T>();
    T* py = y.data<T>();
    std::array<Strides, 3> st{y.strides(), idx.strides(), x_st};
    loops::strided<3>(idx.shape(), st, 1, [&](const std::array<int64_t, 3>& off, int64_t m, const std::array<int64_t, 3>& s) {
      for (int64_t i = 0; i < m; ++i) py[off[0] + i * s[0]] = px[off[2] + i * s[2] + pi[off[1] + i * s[1]] * xsd];
    });
  });
  if (any_requires_grad({&x}))
    record("GatherBackward0", {x}, y, [shape = x.shape(), d, si = SavedTensor(idx)](const Tensor& g, const Node&) -> Grads {
      return {scatter_add(shape, d, si.get(), g)};
    });
  return y;
}

// y = zeros(shape); y[i][index[i][j][k]][k] += src[i][j][k]   (dim = 1; repeated indices sum)
//                                      dsrc = g.gather(dim, index)
Tensor scatter_add(const Shape& shape, int64_t dim, const Tensor& index, const Tensor& src) {
  const auto checked = check_gather_index(shape, index, dim, "scatter_add()");
  const int64_t d = checked.first;
  const Tensor idx = checked.second;
  MINIDL_CHECK(src.shape() == idx.shape(), ValueError, "scatter_add(): source of shape ", shape_str(src.shape()),
               " must have the index's shape ", shape_str(idx.shape()));
  Tensor y = zeros(shape, src.dtype());
  const int64_t ysd = shape.empty() ? 0 : y.strides()[d];
  Strides y_st = y.strides();
  if (!shape.empty()) y_st[d] = 0;
  const int64_t* pi = idx.data<int64_t>();
  // With dim innermost, each row of the walk is one fixed position off dim; rows go to
  // different threads and never write the same element, so repeated indices never race.
  // (The loops keep dim a separate innermost dim: y's stride along it is 0, others' are not.)
  Shape walk;
  for (int64_t k = 0; k < idx.dim(); ++k)
    if (k != d) walk.push_back(idx.shape()[k]);
  if (idx.dim() > 0) walk.push_back(idx.shape()[d]);
  dispatch(src.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* ps = src.data<T>();
    T* py = y.data<T>();
    std::array<Strides, 3> st{moved_last(y_st, d), moved_last(idx.strides(), d), moved_last(src.strides(), d)};
    loops::strided<3>(walk, st, 1, [&](const std::array<int64_t, 3>& off, int64_t m, const std::array<int64_t, 3>& s) {
      for (int64_t i = 0; i < m; ++i) {
        T& dst = py[off[0] + i * s[0] + pi[off[1] + i * s[1]] * ysd];
        if constexpr (std::is_same_v<T, bool>) dst = dst || ps[off[2] + i * s[2]];
        else dst += ps[off[2] + i * s[2]];
      }
    });
  });
  if (any_requires_grad({&src}))
    record("ScatterAddBackward0", {src}, y, [d, si = SavedTensor(idx)](const Tensor& g, const Node&) -> Grads {
      return {gather(g, d, si.get())};
    });
  return y;
}

// (n, ndim) int64 coordinates of the non-zero elements, in row-major order.
// Two passes (count, then fill), each walking rows of the last dim.
Tensor nonzero(const Tensor& x) {
  const int64_t nd = x.dim();
  if (nd == 0) return dispatch(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return Tensor::empty({*x.data<T>() != T(0) ? 1 : 0, 0}, DType::Int64);
  });
  const Shape outer(x.shape().begin(), x.shape().end() - 1);
  const Strides outer_st(x.strides().begin(), x.strides().end() - 1);
  const int64_t inner = x.shape().back(), s = x.strides().back();
  return dispatch(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* px = x.data<T>();
    int64_t count = 0;
    for_each_offset(outer, outer_st, [&](int64_t o, const std::vector<int64_t>&) {
      for (int64_t k = 0; k < inner; ++k) count += px[o + k * s] != T(0);
    });
    Tensor out = Tensor::empty({count, nd}, DType::Int64);
    int64_t* po = out.data<int64_t>();
    for_each_offset(outer, outer_st, [&](int64_t o, const std::vector<int64_t>& idx) {
      for (int64_t k = 0; k < inner; ++k)
        if (px[o + k * s] != T(0)) {
          po = std::copy(idx.begin(), idx.end(), po);
          *po++ = k;
        }
    });
    return out;
  });
}

// ---------------------------------------------------------------------------------
// x[items]: basic items (int, slice, None, ...) become views; tensor items ("advanced"
// indices) are then gathered by precomputed offsets.

namespace {

struct AdvIndex {
  int64_t dim;    // the dim of the basic view it indexes
  int64_t x_dim;  // the same dim counted in x (for error messages)
  Tensor idx;     // int64, possibly negative; undefined in geometry-only mode
};

struct BasicResult {
  Tensor v;                  // x with the basic items applied (a view)
  std::vector<AdvIndex> adv;
  bool adjacent = true;      // the advanced items sit next to each other in the index
};

bool has_tensor_index(const std::vector<IndexItem>& items) {
  for (const auto& it : items)
    if (it.kind == IndexItem::TensorIndex) return true;
  return false;
}

// Checks what can be checked from the items alone; returns how many dims of x they consume.
int64_t consumed_dims(const Tensor& x, const std::vector<IndexItem>& items) {
  int64_t consumed = 0, ellipses = 0;
  for (size_t p = 0; p < items.size(); ++p) {
    const IndexItem& it = items[p];
    switch (it.kind) {
      case IndexItem::Int: case IndexItem::Slice: ++consumed; break;
      case IndexItem::None: break;
      case IndexItem::Ellipsis:
        MINIDL_CHECK(++ellipses == 1, IndexError, "an index can only have a single ellipsis ('...')");
        break;
      case IndexItem::TensorIndex:
        MINIDL_CHECK(it.tensor.defined(), IndexError, "index item ", p, " is an undefined tensor");
        MINIDL_CHECK(it.tensor.dtype() == DType::Int64 || it.tensor.dtype() == DType::Bool, IndexError,
                     "tensors used as indices must be int64 or bool tensors, got ", dtype_name(it.tensor.dtype()),
                     " (index item ", p, ")");
        MINIDL_CHECK(it.tensor.dtype() != DType::Bool || it.tensor.dim() > 0, IndexError,
                     "indexing with a 0-d bool (x[True] / x[False]) is not supported; use x[None] or a mask "
                     "with dimensions (index item ", p, ")");
        consumed += it.tensor.dtype() == DType::Bool ? it.tensor.dim() : 1;
        break;
    }
  }
  MINIDL_CHECK(consumed <= x.dim(), IndexError, "too many indices for tensor of dimension ", x.dim(), " (got ",
               consumed, ")");
  return consumed;
}

// Apply the basic items to x as views. With tensor items present, ints are advanced
// indices too (NumPy's rule). geometry_only: skip building index tensors (for the
// contiguous geometry that gradients use).
BasicResult apply_basic(const Tensor& x, const std::vector<IndexItem>& items, bool geometry_only) {
  const int64_t fill = x.dim() - consumed_dims(x, items);
  const bool adv_mode = has_tensor_index(items);
  BasicResult r{x, {}, true};
  int64_t d = 0, xd = 0, last_adv_item = -1;  // the next dim of the view, and of x
  auto note_adv = [&](size_t p) {
    if (last_adv_item >= 0 && last_adv_item + 1 != static_cast<int64_t>(p)) r.adjacent = false;
    last_adv_item = static_cast<int64_t>(p);
  };
  for (size_t p = 0; p < items.size(); ++p) {
    const IndexItem& it = items[p];
    switch (it.kind) {
      case IndexItem::Int:
        if (!adv_mode) {
          const int64_t n = r.v.shape()[d];
          MINIDL_CHECK(it.value >= -n && it.value < n, IndexError, "index ", it.value,
                       " is out of range for dimension ", xd, " with size ", n);
          r.v = select(r.v, d, it.value);
          ++xd;
          break;
        }
        note_adv(p);
        r.adv.push_back({d++, xd++, geometry_only ? Tensor() : scalar_tensor(static_cast<double>(it.value), DType::Int64)});
        break;
      case IndexItem::Slice: r.v = slice(r.v, d++, it.start, it.stop, it.step); ++xd; break;
      case IndexItem::None: r.v = unsqueeze(r.v, d++); break;
      case IndexItem::Ellipsis: d += fill; xd += fill; break;
      case IndexItem::TensorIndex: {
        note_adv(p);
        const Tensor& t = it.tensor;
        if (t.dtype() == DType::Int64) {
          r.adv.push_back({d++, xd++, t});
          break;
        }
        for (int64_t j = 0; j < t.dim(); ++j)
          MINIDL_CHECK(t.shape()[j] == r.v.shape()[d + j], IndexError, "the shape of the mask ", shape_str(t.shape()),
                       " at index item ", p, " does not match the shape of the indexed tensor ",
                       shape_str(x.shape()), " at dim ", xd + j);
        const Tensor nz = geometry_only ? Tensor() : nonzero(t);
        for (int64_t j = 0; j < t.dim(); ++j)
          r.adv.push_back({d + j, xd + j, geometry_only ? Tensor() : select(nz, 1, j)});
        d += t.dim();
        xd += t.dim();
        break;
      }
    }
  }
  return r;
}

// Where each element of an advanced-indexing result lives, as three offset tables:
// element (i, j, k) of the result reads offset rb[i] + b[j] + ra[k], where j walks the
// broadcast index shape and i, k the view's other dims before and after it.
struct Plan {
  Shape result_shape;
  std::vector<int64_t> rb, b;
  Run ra;
};

Plan make_plan(const BasicResult& real, const std::vector<Tensor>& wrapped, const Shape& bshape, const Tensor& geom) {
  const Tensor& v = real.v;
  std::vector<bool> is_adv(v.dim(), false);
  for (const auto& a : real.adv) is_adv[a.dim] = true;
  const int64_t first_adv = real.adv.front().dim;
  Shape sb, sa;
  Strides tb, ta;
  for (int64_t k = 0; k < v.dim(); ++k) {
    if (is_adv[k]) continue;
    const bool before = real.adjacent && k < first_adv;
    (before ? sb : sa).push_back(v.shape()[k]);
    (before ? tb : ta).push_back(geom.strides()[k]);
  }
  Plan p;
  p.result_shape = sb;
  p.result_shape.insert(p.result_shape.end(), bshape.begin(), bshape.end());
  p.result_shape.insert(p.result_shape.end(), sa.begin(), sa.end());
  p.rb = offsets_of(sb, tb);
  p.ra = run_of(sa, ta);
  p.b.assign(static_cast<size_t>(numel_of(bshape)), geom.offset());
  for (size_t a = 0; a < real.adv.size(); ++a) {
    const int64_t* pi = wrapped[a].data<int64_t>();
    const int64_t st = geom.strides()[real.adv[a].dim];
    for (size_t j = 0; j < p.b.size(); ++j) p.b[j] += pi[j] * st;
  }
  return p;
}

// Validate the advanced indices of `real` and bring them to one broadcast shape,
// contiguous, with negatives wrapped.
std::vector<Tensor> prepare_adv(const BasicResult& real, Shape& bshape) {
  bshape.clear();
  try {
    for (const auto& a : real.adv) bshape = broadcast_shapes(bshape, a.idx.shape());
  } catch (const ValueError&) {
    std::string shapes;
    for (const auto& a : real.adv) shapes += (shapes.empty() ? "" : ", ") + shape_str(a.idx.shape());
    throw IndexError(str("shape mismatch: indexing tensors could not be broadcast together with shapes ", shapes));
  }
  std::vector<Tensor> out;
  for (const auto& a : real.adv) {
    const int64_t n = real.v.shape()[a.dim];
    Tensor idx = contiguous(a.idx);
    check_bounds(idx, n, true, "", a.x_dim);
    Tensor w = clone(expand(idx, bshape));
    int64_t* pw = w.data<int64_t>();
    for (int64_t i = 0, m = w.numel(); i < m; ++i) pw[i] += pw[i] < 0 ? n : 0;
    out.push_back(w);
  }
  return out;
}

// Everything about x[items] with tensor items: the plan on x's real memory, and (when
// gradients are needed) the row-major positions in x that each result element reads.
struct AdvIndexing {
  Plan plan;
  Tensor positions;  // int64, result-shaped; defined only when asked for
};

AdvIndexing plan_advanced(const Tensor& x, const std::vector<IndexItem>& items, bool want_positions) {
  NoGradGuard no_grad;
  const BasicResult real = apply_basic(x.detach(), items, false);
  Shape bshape;
  const std::vector<Tensor> wrapped = prepare_adv(real, bshape);
  AdvIndexing r{make_plan(real, wrapped, bshape, real.v), Tensor()};
  if (want_positions) {
    // The same items applied to a contiguous layout of x's shape give row-major positions.
    const Tensor flat = Tensor::make_view(x.storage(), x.dtype(), x.shape(), contiguous_strides(x.shape()), 0);
    BasicResult geom = apply_basic(flat, items, true);
    geom.adv = real.adv;
    const Plan pp = make_plan(geom, wrapped, bshape, geom.v);
    r.positions = Tensor::empty(pp.result_shape, DType::Int64);
    int64_t* out = r.positions.data<int64_t>();
    for (int64_t i : pp.rb)
      for (int64_t j : pp.b)
        for (int64_t k : pp.ra.table) *out++ = i + j + k;
  }
  return r;
}

// f(storage_offset, result_position) over every element of a plan.
template <class F>
void walk_plan(const Plan& p, bool parallel, const F& f) {
  const int64_t nb = static_cast<int64_t>(p.b.size()), na = p.ra.size();
  const int64_t rows = static_cast<int64_t>(p.rb.size()) * nb;
  auto body = [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t base = p.rb[r / nb] + p.b[r % nb];
      const int64_t out = r * na;
      for_run(p.ra, [&](int64_t k, int64_t off) { f(base + off, out + k); });
    }
  };
  if (parallel) parallel_for(rows, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(na, 1)), body);
  else body(0, rows);
}

}  // namespace

// y = x[items]   basic: a view (gradient through the view ops);
//                advanced: dx = zeros(x.numel) with g added at the positions read, reshaped
Tensor index(const Tensor& x, const std::vector<IndexItem>& items) {
  if (!has_tensor_index(items)) {
    Tensor v = apply_basic(x, items, false).v;
    return v.is_same(x) ? view(x, x.shape()) : v;
  }
  const bool rec = any_requires_grad({&x});
  const AdvIndexing a = plan_advanced(x, items, rec);
  Tensor y = Tensor::empty(a.plan.result_shape, x.dtype());
  dispatch(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* base = static_cast<const T*>(x.storage()->data());
    T* py = y.data<T>();
    walk_plan(a.plan, true, [&](int64_t off, int64_t i) { py[i] = base[off]; });
  });
  if (rec)
    record("IndexBackward0", {x}, y, [shape = x.shape(), pos = a.positions](const Tensor& g, const Node&) -> Grads {
      return {reshape(index_add({numel_of(shape)}, 0, reshape(pos, {-1}), reshape(g, {-1})), shape)};
    });
  return y;
}

// x[items] = value               d x_old = g with the written part zeroed,  d value = g[items]
void index_put_(Tensor& x, const std::vector<IndexItem>& items, const Tensor& value_in) {
  MINIDL_CHECK(value_in.defined(), ValueError, "index_put_: the value is undefined");
  // Leading size-1 dims of the value are dropped, as PyTorch does: x[1] = tensor([2.5]) works.
  size_t ones = 0;
  while (ones < value_in.shape().size() && value_in.shape()[ones] == 1) ++ones;
  const Tensor value = ones ? view(value_in, Shape(value_in.shape().begin() + ones, value_in.shape().end())) : value_in;
  // Into an integer or bool tensor the value is cast, which has no gradient.
  const bool rec = is_floating(x.dtype()) && any_requires_grad({&x, &value});
  detail::check_writable(x, "index_put_", rec);
  auto check_shape = [&](const Shape& target) {
    bool ok = value.dim() <= static_cast<int64_t>(target.size());
    for (int64_t i = 1; ok && i <= value.dim(); ++i) {
      const int64_t have = value.shape()[value.dim() - i];
      ok = have == 1 || have == target[target.size() - i];
    }
    MINIDL_CHECK(ok, ValueError, "shape mismatch: value tensor of shape ", shape_str(value_in.shape()),
                 " cannot be broadcast to indexing result of shape ", shape_str(target));
  };
  if (!has_tensor_index(items)) {
    NoGradGuard no_grad;
    Tensor v = apply_basic(x.detach(), items, false).v;
    check_shape(v.shape());
    copy_(v, value);  // casts, handles overlap with value, bumps the version
  } else {
    const AdvIndexing a = plan_advanced(x, items, false);
    check_shape(a.plan.result_shape);
    NoGradGuard no_grad;
    Tensor val = contiguous(expand(detail::as_dtype(value.detach(), x.dtype()), a.plan.result_shape));
    if (val.storage() == x.storage()) val = clone(val);
    dispatch(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* base = static_cast<T*>(x.storage()->data());
      const T* pv = val.data<T>();
      // Serial: with repeated indices the last write wins, as in NumPy.
      walk_plan(a.plan, false, [&](int64_t off, int64_t i) { base[off] = pv[i]; });
    });
    x.storage()->bump_version();
  }
  if (rec) {
    // The index tensors are kept for backward; modifying them in place afterwards is caught.
    std::vector<IndexItem> kept = items;
    std::vector<SavedTensor> guards;
    for (auto& it : kept)
      if (it.kind == IndexItem::TensorIndex) {
        guards.emplace_back(it.tensor);
        it.tensor = it.tensor.detach();
      }
    record("IndexPutBackward0", {x, value}, x, [kept, guards](const Tensor& g, const Node& n) -> Grads {
      for (const auto& s : guards) s.get();
      Tensor gx;
      if (n.needs_input_grad(0)) {
        gx = clone(g);
        index_put_(gx, kept, scalar_tensor(0, gx.dtype()));
      }
      return {gx, n.needs_input_grad(1) ? index(g, kept) : Tensor()};
    });
  }
}

}  // namespace minidl
