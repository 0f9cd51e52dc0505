// Matrix products: matmul and its strict forms mm, bmm, dot, on CBLAS gemm.
//
// Every product becomes a stack of 2-D products C[i] = A[i] @ B[i]. The operands are not
// copied into shape: gemm reads a row-major matrix with any leading dimension, and reads a
// transposed one by setting its Trans flag, so x.T, x[:, ::2].T or a broadcast batch
// (stride 0) go to BLAS as they are. Only a matrix with no unit stride among its last two
// dims is made contiguous first.
#include "minidl/ops/linalg.hpp"

#include <climits>
#include <optional>
#include <xtensor-blas/xblas.hpp>

#include "elementwise_util.hpp"
#include "minidl/ops/shape_ops.hpp"

namespace minidl {

namespace {

using cxxblas::Transpose;

// A stack of matrices inside a tensor: batch dims, then (rows, cols) and their strides.
struct Matrices {
  Shape batch;
  Strides batch_strides;
  int64_t rows, cols, row_stride, col_stride;
};

// The operand as matrices. A 1-D left operand is one row (1, k), a 1-D right operand one
// column (k, 1): NumPy's promotion, done on the geometry rather than with a view.
Matrices as_matrices(const Tensor& x, bool left) {
  const int64_t nd = x.dim();
  const Shape& s = x.shape();
  const Strides& st = x.strides();
  if (nd == 1) return left ? Matrices{{}, {}, 1, s[0], s[0] * st[0], st[0]} : Matrices{{}, {}, s[0], 1, st[0], 1};
  return Matrices{Shape(s.begin(), s.end() - 2), Strides(st.begin(), st.end() - 2), s[nd - 2], s[nd - 1],
                  st[nd - 2], st[nd - 1]};
}

// How gemm reads a (rows x cols) matrix in place: row-major with leading dimension ld
// (needs a unit column stride), or as the transpose of a row-major (cols x rows) matrix
// (needs a unit row stride). BLAS requires ld >= the length of a stored row. Strides of
// size-1 dims never matter, so they are not tested.
struct Layout {
  Transpose trans;
  int64_t ld;
};

std::optional<Layout> blas_layout(const Matrices& m) {
  const int64_t row_len = std::max<int64_t>(1, m.cols), col_len = std::max<int64_t>(1, m.rows);
  if ((m.cols == 1 || m.col_stride == 1) && (m.rows == 1 || m.row_stride >= row_len))
    return Layout{Transpose::NoTrans, m.rows == 1 ? row_len : m.row_stride};
  if ((m.rows == 1 || m.row_stride == 1) && (m.cols == 1 || m.col_stride >= col_len))
    return Layout{Transpose::Trans, m.cols == 1 ? col_len : m.col_stride};
  return std::nullopt;
}

// Offset of batch entry i (row-major over `batch`) in an operand with these batch strides.
int64_t batch_offset(int64_t i, const Shape& batch, const Strides& strides) {
  int64_t off = 0;
  for (int64_t d = static_cast<int64_t>(batch.size()) - 1; d >= 0 && i > 0; --d) {
    off += (i % batch[d]) * strides[d];
    i /= batch[d];
  }
  return off;
}

// When every batch entry uses the same B and A's rows are evenly spaced across the whole
// batch (a contiguous (N, M, K) input times a (K, N) weight, as in a Linear layer), the
// stack is one (N*M x K) @ (K x N) product: one large gemm instead of N small ones.
// Returns the leading dimension of that tall A, if the fold is possible.
std::optional<int64_t> fold_batch(const Matrices& a, const Strides& a_bst, const Strides& b_bst, const Shape& batch) {
  if (!(a.cols == 1 || a.col_stride == 1)) return std::nullopt;
  std::vector<std::pair<int64_t, int64_t>> dims;  // (size, stride) of A's row dims, size-1 dims dropped
  for (size_t d = 0; d < batch.size(); ++d) {
    if (batch[d] == 1) continue;
    if (b_bst[d] != 0) return std::nullopt;
    dims.push_back({batch[d], a_bst[d]});
  }
  if (a.rows != 1) dims.push_back({a.rows, a.row_stride});
  const int64_t row_len = std::max<int64_t>(1, a.cols);
  if (dims.empty()) return row_len;
  for (size_t d = 0; d + 1 < dims.size(); ++d)
    if (dims[d].second != dims[d + 1].first * dims[d + 1].second) return std::nullopt;
  if (dims.back().second < row_len) return std::nullopt;
  return dims.back().second;
}

// Below this many multiply-adds per matrix, OpenBLAS runs a gemm on one thread anyway
// (its SMP threshold; 2304 * 4 for gemv); minidl then spreads the batch over its own threads.
constexpr int64_t kSmallGemm = 64 * 64 * 64;
constexpr int64_t kSmallGemv = 2304 * 4;

int blas_int(int64_t v, const char* what) {
  MINIDL_CHECK(v <= INT_MAX, ValueError, "matmul: ", what, " ", v, " is too large for BLAS (at most ", INT_MAX, ")");
  return static_cast<int>(v);
}

// One 2-D product C (m x n, row-major, leading dim n) = A @ B, A and B as gemm reads them.
// A single row or column goes to gemv or dot instead: OpenBLAS's gemm is several times
// slower on a vector than the matrix-vector routines. inc_a is the step along A's row
// when m == 1, inc_b the step down B's column when n == 1 (at least 1: blas_layout
// refused stride 0).
template <class T>
void product_2d(int m, int n, int k, const T* A, Layout la, int inc_a, const T* B, Layout lb, int inc_b, T* C) {
  using cxxblas::StorageOrder;
  BlasGuard blas;  // set_num_threads must wait (parallel.hpp)
  const int lda = static_cast<int>(la.ld), ldb = static_cast<int>(lb.ld);
  if (m == 1 && n == 1) {
    cxxblas::dot<int>(k, A, inc_a, B, inc_b, *C);
  } else if (n == 1) {  // C = A x: A is stored (m x k), or (k x m) when read transposed
    const bool t = la.trans == Transpose::Trans;
    cxxblas::gemv<int>(StorageOrder::RowMajor, la.trans, t ? k : m, t ? m : k, T(1), A, lda, B, inc_b, T(0), C, 1);
  } else if (m == 1) {  // C = B^T a: B is stored (k x n), or (n x k) when read transposed
    const bool t = lb.trans == Transpose::Trans;
    cxxblas::gemv<int>(StorageOrder::RowMajor, t ? Transpose::NoTrans : Transpose::Trans, t ? n : k, t ? k : n,
                       T(1), B, ldb, A, inc_a, T(0), C, 1);
  } else {
    cxxblas::gemm<int>(StorageOrder::RowMajor, la.trans, lb.trans, m, n, k, T(1), A, lda, B, ldb, T(0), C, n);
  }
}

// C (contiguous, batch x m x n) = A @ B for float/double, one BLAS call per matrix.
template <class T>
void gemm_stack(const Tensor& A, const Matrices& a, const Tensor& B, const Matrices& b, Tensor& C, const Shape& batch) {
  const int64_t m = a.rows, k = a.cols, n = b.cols, count = numel_of(batch);
  const Layout la = *blas_layout(a), lb = *blas_layout(b);
  const Strides a_bst = broadcast_strides(a.batch, a.batch_strides, batch);
  const Strides b_bst = broadcast_strides(b.batch, b.batch_strides, batch);
  const T* pa = A.data<T>();
  const T* pb = B.data<T>();
  T* pc = C.data<T>();
  // validated here, outside any parallel region
  const int in = blas_int(n, "size"), ik = blas_int(k, "size");
  blas_int(la.ld, "leading dimension");
  blas_int(lb.ld, "leading dimension");
  const int inc_a = k == 1 ? 1 : blas_int(a.col_stride, "stride"), inc_b = k == 1 ? 1 : blas_int(b.row_stride, "stride");

  if (count > 1 && la.trans == Transpose::NoTrans) {
    if (auto lda = fold_batch(a, a_bst, b_bst, batch)) {
      const Layout tall{Transpose::NoTrans, blas_int(*lda, "leading dimension")};
      product_2d<T>(blas_int(count * m, "size"), in, ik, pa, tall, inc_a, pb, lb, inc_b, pc);
      return;
    }
  }
  const int im = blas_int(m, "size");
  auto one = [&](int64_t i) {
    product_2d<T>(im, in, ik, pa + batch_offset(i, batch, a_bst), la, inc_a, pb + batch_offset(i, batch, b_bst), lb,
                  inc_b, pc + i * m * n);
  };
  const int64_t work = m * n * k;
  if (count > 1 && work <= (m == 1 || n == 1 ? kSmallGemv : kSmallGemm)) {
    parallel_for(count, std::max<int64_t>(1, kSmallGemm / std::max<int64_t>(1, work)),
                 [&](int64_t s, int64_t e) { for (int64_t i = s; i < e; ++i) one(i); });
  } else {
    for (int64_t i = 0; i < count; ++i) one(i);  // OpenBLAS threads each product
  }
}

// The same for int64, which BLAS does not cover: a plain loop, rows split across threads.
void int_matmul(const Tensor& A, const Matrices& a, const Tensor& B, const Matrices& b, Tensor& C, const Shape& batch) {
  const int64_t m = a.rows, k = a.cols, n = b.cols, count = numel_of(batch);
  const Strides a_bst = broadcast_strides(a.batch, a.batch_strides, batch);
  const Strides b_bst = broadcast_strides(b.batch, b.batch_strides, batch);
  const int64_t* pa = A.data<int64_t>();
  const int64_t* pb = B.data<int64_t>();
  int64_t* pc = C.data<int64_t>();
  parallel_for(count * m, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, n * k)), [&](int64_t s, int64_t e) {
    for (int64_t r = s; r < e; ++r) {
      const int64_t i = r / m, row = r % m;
      const int64_t* arow = pa + batch_offset(i, batch, a_bst) + row * a.row_stride;
      const int64_t* bmat = pb + batch_offset(i, batch, b_bst);
      int64_t* c = pc + r * n;
      std::fill(c, c + n, 0);
      for (int64_t p = 0; p < k; ++p) {  // i-p-j order: B and C are walked along rows
        const int64_t av = arow[p * a.col_stride];
        const int64_t* brow = bmat + p * b.row_stride;
        // in uint64: an overflow wraps as NumPy's does, where signed overflow is undefined
        for (int64_t j = 0; j < n; ++j)
          c[j] = static_cast<int64_t>(static_cast<uint64_t>(c[j]) +
                                      static_cast<uint64_t>(av) * static_cast<uint64_t>(brow[j * b.col_stride]));
      }
    }
  });
}

// The shape checks of matmul; returns the broadcast batch shape.
Shape check_shapes(const Tensor& a, const Tensor& b, const Matrices& ma, const Matrices& mb, const char* op) {
  MINIDL_CHECK(ma.cols == mb.rows, ValueError, op, ": shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()),
               " cannot be multiplied: size ", ma.cols, " (dim ", a.dim() - 1, " of the first) != size ", mb.rows,
               " (dim ", b.dim() == 1 ? 0 : b.dim() - 2, " of the second)");
  const size_t na = ma.batch.size(), nb = mb.batch.size(), n = std::max(na, nb);
  Shape batch(n);
  for (size_t i = 0; i < n; ++i) {  // from the right, as broadcasting aligns dims
    const int64_t sa = i < na ? ma.batch[na - 1 - i] : 1, sb = i < nb ? mb.batch[nb - 1 - i] : 1;
    MINIDL_CHECK(sa == sb || sa == 1 || sb == 1, ValueError, op, ": batch dims of shapes ", shape_str(a.shape()),
                 " and ", shape_str(b.shape()), " do not broadcast: size ", sa, " (dim ", na - 1 - i,
                 " of the first) vs size ", sb, " (dim ", nb - 1 - i, " of the second)");
    batch[n - 1 - i] = sa == 1 ? sb : sa;
  }
  return batch;
}

// y = a @ b        da = g @ b^T,   db = a^T @ g
// A 1-D operand was promoted to a row (a) or a column (b): g gets that dim back first and
// the gradient loses it after. The engine sums broadcast batch dims back to each input.
Grads matmul_backward(const Tensor& g, const Tensor& a, const Tensor& b, bool need_a, bool need_b) {
  const Tensor A = a.dim() == 1 ? unsqueeze(a, 0) : a;
  const Tensor B = b.dim() == 1 ? unsqueeze(b, 1) : b;
  Tensor G = g;
  if (b.dim() == 1) G = unsqueeze(G, -1);
  if (a.dim() == 1) G = unsqueeze(G, -2);
  Tensor da, db;
  if (need_a) {
    da = matmul(G, transpose(B, -1, -2));
    if (a.dim() == 1) da = squeeze(da, -2);
  }
  if (need_b) {
    if (B.dim() == 2 && A.dim() > 2) {
      // b is shared by the whole batch: sum_i A_i^T G_i is one product of the stacked rows,
      // rather than a (batch, k, n) stack the engine would have to sum.
      const int64_t k = A.shape().back(), n = G.shape().back();
      db = matmul(transpose(reshape(A, {-1, k}), 0, 1), reshape(G, {-1, n}));
    } else {
      db = matmul(transpose(A, -1, -2), G);
    }
    if (b.dim() == 1) db = squeeze(db, -1);
  }
  return {da, db};
}

Tensor product(const Tensor& a, const Tensor& b, const char* op, const char* backward_name) {
  MINIDL_CHECK(a.dim() >= 1 && b.dim() >= 1, ValueError, op, ": both arguments need at least 1 dimension, got shapes ",
               shape_str(a.shape()), " and ", shape_str(b.shape()));
  MINIDL_CHECK(a.dtype() != DType::Bool && b.dtype() != DType::Bool, TypeError, op,
               ": not defined for bool tensors (got ", dtype_name(a.dtype()), " and ", dtype_name(b.dtype()),
               "); convert with .float() or .long() first");
  const DType d = promote(a.dtype(), b.dtype());
  // detached: the casts and copies below are part of this op, not steps autograd records
  Tensor ad = detail::as_dtype(a.detach(), d), bd = detail::as_dtype(b.detach(), d);
  Matrices ma = as_matrices(ad, true), mb = as_matrices(bd, false);
  const Shape batch = check_shapes(a, b, ma, mb, op);

  Shape out_shape = batch;
  if (a.dim() > 1) out_shape.push_back(ma.rows);
  if (b.dim() > 1) out_shape.push_back(mb.cols);
  Tensor y = Tensor::empty(out_shape, d);

  if (y.numel() > 0) {
    if (ma.cols == 0) {
      fill_(y, 0.0);
    } else if (d == DType::Int64) {
      int_matmul(ad, ma, bd, mb, y, batch);
    } else {
      if (!blas_layout(ma)) ma = as_matrices(ad = clone(ad), true);
      if (!blas_layout(mb)) mb = as_matrices(bd = clone(bd), false);
      dispatch_floating(d, op, [&](auto tag) {
        using T = typename decltype(tag)::type;
        gemm_stack<T>(ad, ma, bd, mb, y, batch);
      });
    }
  }

  if (any_requires_grad({&a, &b}))
    record(backward_name, {a, b}, y, [sa = SavedTensor(a), sb = SavedTensor(b)](const Tensor& g, const Node& n) -> Grads {
      return matmul_backward(g, sa.get(), sb.get(), n.needs_input_grad(0), n.needs_input_grad(1));
    });
  return y;
}

}  // namespace

// PyTorch's grad_fn names follow the path its matmul takes for each pair of ranks.
Tensor matmul(const Tensor& a, const Tensor& b) {
  const int64_t na = a.dim(), nb = b.dim();
  const char* name = na == 1 && nb == 1   ? "DotBackward0"
                     : na == 2 && nb == 1 ? "MvBackward0"
                     : na == 2 && nb == 2 ? "MmBackward0"
                     : na == 1 && nb == 2 ? "SqueezeBackward4"
                                          : "UnsafeViewBackward0";
  return product(a, b, "matmul", name);
}

Tensor mm(const Tensor& a, const Tensor& b) {
  MINIDL_CHECK(a.dim() == 2 && b.dim() == 2, ValueError, "mm: expected two 2-D matrices, got shapes ",
               shape_str(a.shape()), " and ", shape_str(b.shape()), " (use matmul for other ranks)");
  return product(a, b, "mm", "MmBackward0");
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  MINIDL_CHECK(a.dim() == 3 && b.dim() == 3, ValueError, "bmm: expected two 3-D tensors, got shapes ",
               shape_str(a.shape()), " and ", shape_str(b.shape()), " (use matmul for other ranks)");
  MINIDL_CHECK(a.shape()[0] == b.shape()[0], ValueError, "bmm: batch sizes differ: shapes ", shape_str(a.shape()),
               " and ", shape_str(b.shape()), " (bmm does not broadcast; use matmul)");
  return product(a, b, "bmm", "BmmBackward0");
}

Tensor dot(const Tensor& a, const Tensor& b) {
  MINIDL_CHECK(a.dim() == 1 && b.dim() == 1, ValueError, "dot: expected two 1-D tensors, got shapes ",
               shape_str(a.shape()), " and ", shape_str(b.shape()));
  MINIDL_CHECK(a.shape()[0] == b.shape()[0], ValueError, "dot: vectors of different lengths: ", a.shape()[0],
               " and ", b.shape()[0]);
  return product(a, b, "dot", "DotBackward0");
}

}  // namespace minidl
