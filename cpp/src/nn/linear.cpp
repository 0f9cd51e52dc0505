// Linear layer, y = x W^T + b, on CBLAS directly.
//
// The input's leading dims are folded into rows (an (*, in) tensor is an (M, in) matrix) and
// each product is one BLAS call that reads its operands where they lie: W^T is W read with
// gemm's Trans flag, a transposed input (x.T) is read with Trans as well, and only an operand
// no BLAS layout describes (expanded, sliced along both dims) is copied. The bias costs no
// extra pass: the output is filled with it and gemm adds the product (beta = 1).
#include <algorithm>
#include <climits>
#include <vector>
#include <xtensor-blas/xblas.hpp>

#pragma GCC diagnostic push  // GCC 12's false positive inside its AVX-512 intrinsics (see optim)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <xsimd/xsimd.hpp>
#pragma GCC diagnostic pop

#include "../ops/elementwise_util.hpp"
#include "minidl/grad_mode.hpp"
#include "minidl/nn/layers.hpp"
#include "minidl/ops/reduce.hpp"
#include "minidl/ops/shape_ops.hpp"

namespace minidl::nn {

namespace {

using cxxblas::StorageOrder;
using cxxblas::Transpose;

Transpose flip(Transpose t) { return t == Transpose::NoTrans ? Transpose::Trans : Transpose::NoTrans; }

int blas_int(int64_t v, const char* what) {
  MINIDL_CHECK(v <= INT_MAX, ValueError, "linear: ", what, " ", v, " is too large for BLAS (at most ", INT_MAX, ")");
  return static_cast<int>(v);
}

// A 2-D tensor as gemm reads it: `t`'s buffer read as stored (row-major, leading dim ld) or
// read transposed. Strides of size-1 dims never matter.
struct Mat {
  Tensor t;
  Transpose trans;
  int ld;
};

Mat as_mat(const Tensor& m) {
  const int64_t rows = m.shape()[0], cols = m.shape()[1], rs = m.strides()[0], cs = m.strides()[1];
  const int64_t row_len = std::max<int64_t>(1, cols), col_len = std::max<int64_t>(1, rows);
  if ((cols == 1 || cs == 1) && (rows == 1 || rs >= row_len))
    return {m, Transpose::NoTrans, blas_int(rows == 1 ? row_len : rs, "leading dimension")};
  if ((rows == 1 || rs == 1) && (cols == 1 || cs >= col_len))
    return {m, Transpose::Trans, blas_int(cols == 1 ? col_len : cs, "leading dimension")};
  return {clone(m), Transpose::NoTrans, blas_int(row_len, "leading dimension")};
}

Mat transposed(const Mat& a) { return {a.t, flip(a.trans), a.ld}; }

// c = beta c + W a for a small row-major W (n x k, leading dim ld): one sample through a layer.
// Four rows at a time share each loaded vector of a; single-threaded, no BLAS. OpenBLAS's gemv
// split a 784 x 128 product over both threads and paid for waking the second one on every call,
// and running it on one thread would mean changing its global thread count per call (which
// set_num_threads' lock forbids: parallel.hpp).
constexpr int64_t kSmallGemv = int64_t(1) << 18;  // multiply-adds; larger products go to BLAS

template <class T>
void small_gemv(int n, int k, const T* W, int ld, const T* a, T beta, T* c) {
  using B = xsimd::batch<T>;
  constexpr int Wd = static_cast<int>(B::size);
  const int kv = k - k % Wd;
  auto tail = [&](const T* row) {
    T s = 0;
    for (int i = kv; i < k; ++i) s += row[i] * a[i];
    return s;
  };
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    const T *r0 = W + static_cast<int64_t>(j) * ld, *r1 = r0 + ld, *r2 = r1 + ld, *r3 = r2 + ld;
    B s0(T(0)), s1(T(0)), s2(T(0)), s3(T(0));
    for (int i = 0; i < kv; i += Wd) {
      const B x = B::load_unaligned(a + i);
      s0 = xsimd::fma(B::load_unaligned(r0 + i), x, s0);
      s1 = xsimd::fma(B::load_unaligned(r1 + i), x, s1);
      s2 = xsimd::fma(B::load_unaligned(r2 + i), x, s2);
      s3 = xsimd::fma(B::load_unaligned(r3 + i), x, s3);
    }
    const T d[4] = {xsimd::hadd(s0) + tail(r0), xsimd::hadd(s1) + tail(r1),
                    xsimd::hadd(s2) + tail(r2), xsimd::hadd(s3) + tail(r3)};
    for (int q = 0; q < 4; ++q) c[j + q] = (beta == T(0) ? T(0) : beta * c[j + q]) + d[q];
  }
  for (; j < n; ++j) {
    const T* r = W + static_cast<int64_t>(j) * ld;
    B s(T(0));
    for (int i = 0; i < kv; i += Wd) s = xsimd::fma(B::load_unaligned(r + i), B::load_unaligned(a + i), s);
    c[j] = (beta == T(0) ? T(0) : beta * c[j]) + xsimd::hadd(s) + tail(r);
  }
}

// C (m x n, contiguous) = A B + beta C, A (m x k) and B (k x n) as their Mats read them.
// A single output row or column goes to gemv: OpenBLAS's gemm is several times slower there.
template <class T>
void product(int m, int n, int k, const Mat& A, const Mat& B, T beta, T* C) {
  using cxxblas::gemm;
  using cxxblas::gemv;
  constexpr auto RM = StorageOrder::RowMajor;
  if (m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum; BLAS wants leading dims >= k >= 1, so no call
    if (beta == T(0)) std::fill(C, C + static_cast<int64_t>(m) * n, T(0));
    return;
  }
  const T* a = A.t.data<T>();
  const T* b = B.t.data<T>();
  if (m == 1 && B.trans == Transpose::Trans && A.trans == Transpose::NoTrans &&
      static_cast<int64_t>(n) * k <= kSmallGemv) {  // one sample: c = W a, W = B^T stored by rows
    small_gemv<T>(n, k, b, B.ld, a, beta, C);
    return;
  }
  BlasGuard blas;  // set_num_threads must wait (parallel.hpp)
  if (m == 1) {  // c = op(B)^T a
    const int inc_a = A.trans == Transpose::NoTrans ? 1 : A.ld;
    if (B.trans == Transpose::NoTrans) gemv<int>(RM, Transpose::Trans, k, n, T(1), b, B.ld, a, inc_a, beta, C, 1);
    else gemv<int>(RM, Transpose::NoTrans, n, k, T(1), b, B.ld, a, inc_a, beta, C, 1);
  } else if (n == 1) {  // c = op(A) b
    const int inc_b = B.trans == Transpose::NoTrans ? B.ld : 1;
    if (A.trans == Transpose::NoTrans) gemv<int>(RM, Transpose::NoTrans, m, k, T(1), a, A.ld, b, inc_b, beta, C, 1);
    else gemv<int>(RM, Transpose::Trans, k, m, T(1), a, A.ld, b, inc_b, beta, C, 1);
  } else {
    gemm<int>(RM, A.trans, B.trans, m, n, k, T(1), a, A.ld, b, B.ld, beta, C, n);
  }
}

// db = sum of the rows of g (M, N), contiguous: one pass down the rows, each column summed in
// double as minidl's sum does. The general reduction plans its loops per call, which cost more
// than the sum itself at MLP sizes.
template <class T>
Tensor column_sums(const Tensor& g, int64_t M, int64_t N) {
  std::vector<double> acc(static_cast<size_t>(N), 0.0);
  const T* p = g.data<T>();
  for (int64_t r = 0; r < M; ++r)
    for (int64_t c = 0; c < N; ++c) acc[c] += p[r * N + c];
  Tensor out = Tensor::empty({N}, g.dtype());
  std::copy(acc.begin(), acc.end(), out.data<T>());
  return out;
}

}  // namespace

// y = x W^T + b          x (M, in) after folding leading dims, W (out, in), b (out)
// dx = g W               (M, out) @ (out, in): one gemm
// dW = g^T x             (out, M) @ (M, in): one gemm, summing over every row of the batch
// db = sum of g over all leading dims
// Mixed dtypes are promoted (float32 with float64 computes in float64), as minidl's matmul
// does; PyTorch raises instead. The engine casts each gradient back to its input's dtype.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  MINIDL_CHECK(weight.dim() == 2, ValueError, "linear: weight must be 2-D (out_features, in_features), got shape ",
               shape_str(weight.shape()));
  MINIDL_CHECK(input.dim() >= 1, ValueError, "linear: input must have shape (*, in_features), got a 0-d tensor");
  const int64_t out_f = weight.shape()[0], in_f = weight.shape()[1];
  MINIDL_CHECK(input.shape().back() == in_f, ValueError, "linear: input has ", input.shape().back(),
               " features (last dim of shape ", shape_str(input.shape()), ") but weight expects ", in_f,
               " (weight of shape ", shape_str(weight.shape()), ")");
  DType d = promote(input.dtype(), weight.dtype());
  if (bias.defined()) {
    MINIDL_CHECK(bias.dim() == 1 && bias.shape()[0] == out_f, ValueError, "linear: bias must have shape [", out_f,
                 "] (one value per output feature of weight ", shape_str(weight.shape()), "), got shape ",
                 shape_str(bias.shape()));
    d = promote(d, bias.dtype());
  }
  const int64_t M = numel_of(Shape(input.shape().begin(), input.shape().end() - 1));
  Shape out_shape = input.shape();
  out_shape.back() = out_f;

  Mat X, W;
  Tensor y = dispatch_floating(d, "linear", [&](auto tag) {
    using T = typename decltype(tag)::type;
    NoGradGuard internal;  // the casts and reshapes below are this op's business, not steps autograd records
    X = as_mat(detail::as_dtype(input.dim() == 2 ? input : reshape(input, {M, in_f}), d));
    W = as_mat(detail::as_dtype(weight, d));
    const int im = blas_int(M, "batch size"), in = blas_int(out_f, "size"), ik = blas_int(in_f, "size");
    Tensor out = Tensor::empty(out_shape, d);
    T* py = out.data<T>();
    T beta = 0;
    if (bias.defined() && out.numel() > 0) {
      const Tensor b = contiguous(detail::as_dtype(bias, d));
      const T* pb = b.data<T>();
      parallel_for(M, std::max<int64_t>(1, kParallelGrain / out_f), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) std::copy(pb, pb + out_f, py + r * out_f);
      });
      beta = 1;
    }
    product<T>(im, in, ik, X, transposed(W), beta, py);
    return out;
  });

  if (any_requires_grad({&input, &weight, &bias})) {
    // PyTorch's names: addmm / mm for a matrix input, a view of one for any other rank
    const char* name = input.dim() != 2 ? "ViewBackward0" : bias.defined() ? "AddmmBackward0" : "MmBackward0";
    // each factor is kept only if the other's gradient needs it
    const SavedTensor sx = weight.requires_grad() ? SavedTensor(X.t) : SavedTensor();
    const SavedTensor sw = input.requires_grad() ? SavedTensor(W.t) : SavedTensor();
    record(name, {input, weight, bias}, y,
           [sx, sw, xt = X.trans, xld = X.ld, wt = W.trans, wld = W.ld, in_shape = input.shape(), M, in_f, out_f](
               const Tensor& g, const Node& n) -> Grads {
             return dispatch_floating(g.dtype(), "linear backward", [&](auto tag) -> Grads {
               using T = typename decltype(tag)::type;
               const Tensor g2 = g.dim() == 2 ? g : reshape(g, {M, out_f});
               Tensor dx, dw, db;
               if (n.needs_input_grad(0) || n.needs_input_grad(1)) {
                 const Mat G = as_mat(g2);
                 if (n.needs_input_grad(0)) {
                   dx = Tensor::empty(in_shape, g.dtype());
                   product<T>(static_cast<int>(M), static_cast<int>(in_f), static_cast<int>(out_f), G,
                              Mat{sw.get(), wt, wld}, T(0), dx.data<T>());
                 }
                 if (n.needs_input_grad(1)) {
                   dw = Tensor::empty({out_f, in_f}, g.dtype());
                   product<T>(static_cast<int>(out_f), static_cast<int>(in_f), static_cast<int>(M), transposed(G),
                              Mat{sx.get(), xt, xld}, T(0), dw.data<T>());
                 }
               }
               if (n.needs_input_grad(2))
                 db = g2.is_contiguous() && M * out_f <= kParallelGrain ? column_sums<T>(g2, M, out_f) : sum(g2, {0});
               return {dx, dw, db};
             });
           });
  }
  return y;
}

}  // namespace minidl::nn
