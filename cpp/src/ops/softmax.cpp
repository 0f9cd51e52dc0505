// The softmax family: softmax, log_softmax, logsumexp.
//
// All three subtract the maximum before exponentiating (exp(x - m) <= 1, so logits of
// +-1000 neither overflow nor lose every digit), and softmax / log_softmax run as one
// fused kernel along `dim`: max, sum of exponentials and the output, without temporaries.
// exp is vectorised with xsimd; it dominates the cost.
#include <algorithm>
#include <cmath>
#include <limits>

#include <xsimd/xsimd.hpp>

#include "elementwise_util.hpp"
#include "minidl/ops/reduce.hpp"
#include "minidl/ops/shape_ops.hpp"
#include "reduce_loops.hpp"

namespace minidl {

using detail::as_dtype;

namespace {

using Off = std::array<int64_t, 2>;
using Off3 = std::array<int64_t, 3>;
constexpr int64_t kMaxBlock = rloops::kMaxLines;

template <class T> inline T nan_max(T a, T b) { return (b > a || b != b) ? b : a; }

// y[i] = exp(x[i] - m[i]) (m_step 1) or exp(x[i] - m[0]) (m_step 0), all contiguous.
template <class T>
void exp_sub(const T* x, const T* m, int64_t m_step, T* y, int64_t n) {
  using B = xsimd::batch<T>;
  constexpr int64_t W = B::size;
  int64_t i = 0;
  if (m_step == 0) {
    const B bm(m[0]);
    for (; i + W <= n; i += W) xsimd::store_unaligned(y + i, xsimd::exp(xsimd::load_unaligned(x + i) - bm));
  } else {
    for (; i + W <= n; i += W)
      xsimd::store_unaligned(y + i, xsimd::exp(xsimd::load_unaligned(x + i) - xsimd::load_unaligned(m + i)));
  }
  for (; i < n; ++i) y[i] = std::exp(x[i] - m[i * m_step]);
}

// Sum of n contiguous values, accumulated in double (16 lanes: vectorised).
template <class T>
double sum_contig(const T* p, int64_t n) {
  double lane[16] = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int k = 0; k < 16; ++k) lane[k] += static_cast<double>(p[i + k]);
  for (; i < n; ++i) lane[0] += static_cast<double>(p[i]);
  double s = 0;
  for (double v : lane) s += v;
  return s;
}

template <class T>
struct MaxOp {  // NaN-propagating max
  using A = T;
  A init() const { return -std::numeric_limits<T>::infinity(); }
  A map(T v, int64_t) const { return v; }
  A combine(A a, A b) const { return nan_max(a, b); }
};

template <class T>
T line_max(const T* x, int64_t n, int64_t s) { return rloops::reduce_row(x, n, s, MaxOp<T>{}, 0); }

// The column maxima of an R x n block whose rows are sx apart (lines side by side).
template <class T>
void block_max(const T* x, int64_t n, int64_t R, int64_t sx, T* m) {
  for (int64_t j = 0; j < n; ++j) m[j] = x[j];
  for (int64_t r = 1; r < R; ++r)
    for (int64_t j = 0; j < n; ++j) m[j] = nan_max(m[j], x[r * sx + j]);
}

// One forward kernel for both: y = softmax(x) or log_softmax(x) along dim.
template <class T, bool Log>
void softmax_kernel(const Tensor& x, Tensor& y, int64_t dim) {
  const T* px = x.data<T>();
  T* py = y.data<T>();
  std::array<Strides, 2> st{x.strides(), y.strides()};
  rloops::along_dim<2>(x.shape(), dim, st, 8, [&](const Off& off, int64_t n, const Off& si, int64_t R, const Off& sr) {
    const T* xp = px + off[0];
    T* yp = py + off[1];
    if (si[0] == 1 && si[1] == 1 && n > 1) {  // lines side by side: go row by row over the block
      T m[kMaxBlock];
      double s[kMaxBlock] = {};
      block_max(xp, n, R, sr[0], m);
      for (int64_t r = 0; r < R; ++r) {
        T* yr = yp + r * sr[1];
        exp_sub(xp + r * sr[0], m, 1, yr, n);
        for (int64_t j = 0; j < n; ++j) s[j] += yr[j];
      }
      if (Log) {
        T shift[kMaxBlock];
        for (int64_t j = 0; j < n; ++j) shift[j] = static_cast<T>(m[j] + std::log(s[j]));
        for (int64_t r = 0; r < R; ++r) {
          const T* xr = xp + r * sr[0];
          T* yr = yp + r * sr[1];
          for (int64_t j = 0; j < n; ++j) yr[j] = xr[j] - shift[j];
        }
      } else {
        T inv[kMaxBlock];
        for (int64_t j = 0; j < n; ++j) inv[j] = static_cast<T>(1.0 / s[j]);
        for (int64_t r = 0; r < R; ++r) {
          T* yr = yp + r * sr[1];
          for (int64_t j = 0; j < n; ++j) yr[j] *= inv[j];
        }
      }
      return;
    }
    for (int64_t j = 0; j < n; ++j) {
      const T* xl = xp + j * si[0];
      T* yl = yp + j * si[1];
      const int64_t sx = sr[0], sy = sr[1];
      const T m = line_max(xl, R, sx);
      double s = 0;
      if (sx == 1 && sy == 1) {
        exp_sub(xl, &m, 0, yl, R);  // y holds the exponentials until the last pass
        s = sum_contig(yl, R);
      } else {
        for (int64_t r = 0; r < R; ++r) {
          const T e = std::exp(xl[r * sx] - m);
          yl[r * sy] = e;
          s += e;
        }
      }
      if (Log) {
        const T shift = static_cast<T>(m + std::log(s));
        if (sx == 1 && sy == 1)
          for (int64_t r = 0; r < R; ++r) yl[r] = xl[r] - shift;
        else
          for (int64_t r = 0; r < R; ++r) yl[r * sy] = xl[r * sx] - shift;
      } else {
        const T inv = static_cast<T>(1.0 / s);
        if (sy == 1)
          for (int64_t r = 0; r < R; ++r) yl[r] *= inv;
        else
          for (int64_t r = 0; r < R; ++r) yl[r * sy] *= inv;
      }
    }
  });
}

// softmax:      dx = y (g - sum(g y))
// log_softmax:  dx = g - exp(y) sum(g)
template <class T, bool Log>
void softmax_backward_kernel(const Tensor& g, const Tensor& y, Tensor& dx, int64_t dim) {
  const T* pg = g.data<T>();
  const T* py = y.data<T>();
  T* pd = dx.data<T>();
  std::array<Strides, 3> st{broadcast_strides(g.shape(), g.strides(), y.shape()), y.strides(), dx.strides()};
  rloops::along_dim<3>(y.shape(), dim, st, Log ? 8 : 2,
                       [&](const Off3& off, int64_t n, const Off3& si, int64_t R, const Off3& sr) {
    const T* gp = pg + off[0];
    const T* yp = py + off[1];
    T* dp = pd + off[2];
    if (si[0] == 1 && si[1] == 1 && si[2] == 1 && n > 1) {
      double s[kMaxBlock] = {};
      for (int64_t r = 0; r < R; ++r) {
        const T* gr = gp + r * sr[0];
        const T* yr = yp + r * sr[1];
        for (int64_t j = 0; j < n; ++j) s[j] += Log ? gr[j] : gr[j] * yr[j];
      }
      T c[kMaxBlock];
      for (int64_t j = 0; j < n; ++j) c[j] = static_cast<T>(s[j]);
      const T zero = 0;
      for (int64_t r = 0; r < R; ++r) {
        const T* gr = gp + r * sr[0];
        const T* yr = yp + r * sr[1];
        T* dr = dp + r * sr[2];
        if (Log) {
          exp_sub(yr, &zero, 0, dr, n);
          for (int64_t j = 0; j < n; ++j) dr[j] = gr[j] - dr[j] * c[j];
        } else {
          for (int64_t j = 0; j < n; ++j) dr[j] = yr[j] * (gr[j] - c[j]);
        }
      }
      return;
    }
    for (int64_t j = 0; j < n; ++j) {
      const T* gl = gp + j * si[0];
      const T* yl = yp + j * si[1];
      T* dl = dp + j * si[2];
      const int64_t sg = sr[0], sy = sr[1], sd = sr[2];
      double s = 0;
      for (int64_t r = 0; r < R; ++r) s += Log ? gl[r * sg] : gl[r * sg] * yl[r * sy];
      const T c = static_cast<T>(s);
      if (Log) {
        if (sy == 1 && sd == 1) {
          const T zero = 0;
          exp_sub(yl, &zero, 0, dl, R);
          for (int64_t r = 0; r < R; ++r) dl[r] = gl[r * sg] - dl[r] * c;
        } else {
          for (int64_t r = 0; r < R; ++r) dl[r * sd] = gl[r * sg] - std::exp(yl[r * sy]) * c;
        }
      } else {
        for (int64_t r = 0; r < R; ++r) dl[r * sd] = yl[r * sy] * (gl[r * sg] - c);
      }
    }
  });
}

template <bool Log>
Tensor softmax_impl(const Tensor& x, int64_t dim) {
  const char* name = Log ? "log_softmax" : "softmax";
  const int64_t d = wrap_dim(dim, x.dim());
  // A 0-d tensor is a line of one element.
  const Tensor xx = x.dim() == 0 ? reshape(x.detach(), {1}) : x;
  Tensor y = Tensor::empty(xx.shape(), x.dtype());
  dispatch_floating(x.dtype(), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    softmax_kernel<T, Log>(xx, y, d);
  });
  y = reshape(y, x.shape());
  if (any_requires_grad({&x}))
    record(Log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", {x}, y,
           [sy = SavedTensor(y), d](const Tensor& g, const Node&) -> Grads {
             const Tensor yv = sy.get();
             const Shape shape = yv.dim() == 0 ? Shape{1} : yv.shape();
             const Tensor y1 = reshape(yv, shape);
             const Tensor g1 = reshape(as_dtype(g, yv.dtype()), shape);
             Tensor dx = Tensor::empty(shape, yv.dtype());
             dispatch_floating(yv.dtype(), "softmax backward", [&](auto tag) {
               using T = typename decltype(tag)::type;
               softmax_backward_kernel<T, Log>(g1, y1, dx, d);
             });
             return {reshape(dx, yv.shape())};
           });
  return y;
}

// logsumexp along one dim into y (x's shape with dim of size 1): the softmax kernel's
// first half, with the vectorised exp. `shift` is the max, or 0 where the max is infinite.
template <class T>
void logsumexp_kernel(const Tensor& x, Tensor& y, int64_t dim) {
  const T* px = x.data<T>();
  T* py = y.data<T>();
  std::array<Strides, 2> st{x.strides(), rloops::line_strides(y, x.shape(), dim)};
  rloops::along_dim<2>(x.shape(), dim, st, 8, [&](const Off& off, int64_t n, const Off& si, int64_t R, const Off& sr) {
    const T* xp = px + off[0];
    T* yp = py + off[1];
    T tmp[kMaxBlock];
    if (si[0] == 1 && n > 1) {
      T m[kMaxBlock];
      double s[kMaxBlock] = {};
      block_max(xp, n, R, sr[0], m);
      for (int64_t j = 0; j < n; ++j) m[j] = std::isinf(m[j]) ? T(0) : m[j];
      for (int64_t r = 0; r < R; ++r) {
        exp_sub(xp + r * sr[0], m, 1, tmp, n);
        for (int64_t j = 0; j < n; ++j) s[j] += tmp[j];
      }
      for (int64_t j = 0; j < n; ++j) yp[j * si[1]] = static_cast<T>(std::log(s[j]) + m[j]);
      return;
    }
    for (int64_t j = 0; j < n; ++j) {
      const T* xl = xp + j * si[0];
      const int64_t sx = sr[0];
      T m = line_max(xl, R, sx);
      m = std::isinf(m) ? T(0) : m;
      double s = 0;
      if (sx == 1) {
        for (int64_t c = 0; c < R; c += kMaxBlock) {
          const int64_t len = std::min(kMaxBlock, R - c);
          exp_sub(xl + c, &m, 0, tmp, len);
          s += sum_contig(tmp, len);
        }
      } else {
        for (int64_t r = 0; r < R; ++r) s += std::exp(xl[r * sx] - m);
      }
      yp[j * si[1]] = static_cast<T>(std::log(s) + m);
    }
  });
}

// exp(x - shift[o]) summed per output (logsumexp's second pass over several dims).
template <class T>
struct ExpSumOp {
  using A = double;
  const double* shift;
  A init() const { return 0; }
  A map(T v, int64_t o) const { return std::exp(static_cast<double>(v) - shift[o]); }
  A combine(A a, A b) const { return a + b; }
};

}  // namespace

// y = exp(x) / sum(exp(x)) along dim          dx = y (g - sum(g y))
Tensor softmax(const Tensor& x, int64_t dim) { return softmax_impl<false>(x, dim); }

// y = x - log(sum(exp(x))) along dim          dx = g - exp(y) sum(g)
Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_impl<true>(x, dim); }

// y = m + log(sum(exp(x - m))), m = max(x)    dx = g exp(x - y) = g softmax(x)
Tensor logsumexp(const Tensor& x, const Dims& dims, bool keepdim) {
  const DType d = detail::float_result(x.dtype());  // integers give float32, as in PyTorch
  const Tensor xf = as_dtype(x, d);
  std::vector<bool> mask(xf.dim(), dims.empty());
  for (int64_t dm : dims) {
    const int64_t w = wrap_dim(dm, xf.dim());
    if (xf.dim() == 0) continue;
    MINIDL_CHECK(!mask[w], ValueError, "dim ", dm, " appears multiple times in the list of dims");
    mask[w] = true;
  }
  Shape kd, out_shape;
  for (int64_t i = 0; i < xf.dim(); ++i) {
    kd.push_back(mask[i] ? 1 : xf.shape()[i]);
    if (!mask[i] || keepdim) out_shape.push_back(kd.back());
  }
  Tensor y = Tensor::empty(kd, d);
  int64_t n_reduced = 0, one_dim = 0;
  for (int64_t i = 0; i < xf.dim(); ++i)
    if (mask[i]) ++n_reduced, one_dim = i;
  dispatch_floating(d, "logsumexp", [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (n_reduced == 1 && xf.shape()[one_dim] > 0) return logsumexp_kernel<T>(xf, y, one_dim);
    const std::vector<T> m = rloops::reduce<T>(xf, mask, MaxOp<T>{});
    // Shift by the max, except where it is infinite: all -inf gives log(0) = -inf and a
    // +inf element gives inf, instead of inf - inf = NaN.
    std::vector<double> shift(m.size());
    for (size_t o = 0; o < m.size(); ++o) shift[o] = std::isinf(m[o]) ? 0.0 : static_cast<double>(m[o]);
    const std::vector<double> s = rloops::reduce<T>(xf, mask, ExpSumOp<T>{shift.data()}, 8);
    T* py = y.data<T>();
    for (size_t o = 0; o < s.size(); ++o) py[o] = static_cast<T>(std::log(s[o]) + shift[o]);
  });
  if (any_requires_grad({&x})) {
    Tensor y_kd = y;
    y = reshape(y, out_shape);
    record("LogsumexpBackward0", {x}, y, [sx = SavedTensor(x), sy = SavedTensor(y_kd), kd](const Tensor& g, const Node&) -> Grads {
      const Tensor xv = sx.get();
      const Tensor gk = reshape(as_dtype(g, xv.dtype()), kd);
      Tensor dx = Tensor::empty(xv.shape(), xv.dtype());
      dispatch_floating(xv.dtype(), "logsumexp backward", [&](auto tag) {
        using T = typename decltype(tag)::type;
        loops::ternary<T, T, T, T>(dx, xv, gk, sy.get(), [](T v, T gv, T yv) { return gv * std::exp(v - yv); });
      });
      return {dx};
    });
    return y;
  }
  return reshape(y, out_shape);
}

}  // namespace minidl
