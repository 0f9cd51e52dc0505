// Normalisation layers: batch_norm (per channel, over the batch) and layer_norm (per sample,
// over its last dims). Both are fused kernels: the statistics take one pass each (mean, then
// squared deviations: the two-pass variance, which does not cancel catastrophically when
// |mean| >> std), summed in double (layer_norm: in blocks, see block_sum2); the output is one
// more pass, and backward is one pass for its sums and one for dx.
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "../ops/elementwise_util.hpp"
#include "channel_loops.hpp"
#include "minidl/grad_mode.hpp"
#include "minidl/nn/layers.hpp"
#include "minidl/ops/reduce.hpp"
#include "minidl/ops/shape_ops.hpp"

namespace minidl::nn {

namespace {

using minidl::detail::as_dtype;

// A small per-channel tensor's values, in double.
std::vector<double> values(const Tensor& t) {
  const Tensor c = contiguous(to_dtype(t.detach(), DType::Float64));
  const double* p = c.data<double>();
  return std::vector<double>(p, p + c.numel());
}

Tensor from_values(const std::vector<double>& v, const Shape& shape, DType d) {
  Tensor t = Tensor::empty(shape, d);
  dispatch_floating(d, "norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t.data<T>();
    for (size_t i = 0; i < v.size(); ++i) p[i] = static_cast<T>(v[i]);
  });
  return t;
}

// Sums of f(i) and g(i) over [0, n), f and g returning T: T-typed vector lanes within blocks
// of 256 values (short enough for float lanes to stay accurate), the blocks added in double.
// Accumulating every value in double would not vectorise (the compiler may not reassociate);
// this is about 4x faster on float rows.
template <class T, class F, class G>
std::pair<double, double> block_sum2(int64_t n, const F& f, const G& g) {
  constexpr int L = 16;
  constexpr int64_t B = 256;
  double sa = 0, sb = 0;
  for (int64_t b0 = 0; b0 < n; b0 += B) {
    const int64_t e = std::min(n, b0 + B);
    T a[L] = {}, b[L] = {};
    int64_t i = b0;
    for (; i + L <= e; i += L)
      for (int k = 0; k < L; ++k) {
        a[k] += f(i + k);
        b[k] += g(i + k);
      }
    for (; i < e; ++i) {
      a[0] += f(i);
      b[0] += g(i);
    }
    for (int k = 0; k < L; ++k) sa += a[k], sb += b[k];
  }
  return {sa, sb};
}

template <class T, class F>
double block_sum(int64_t n, const F& f) {
  return block_sum2<T>(n, f, [](int64_t) { return T(0); }).first;
}

template <class T>
std::vector<T> cast_vec(const std::vector<double>& v) { return std::vector<T>(v.begin(), v.end()); }

// Running statistics are written in place: refuse, before anything is written, what copy_
// would refuse halfway.
void check_running(const Tensor& t, const char* what) {
  if (!t.defined()) return;
  MINIDL_CHECK(!t.requires_grad(), ValueError, "batch_norm: ", what,
               " must not require grad (it is a buffer updated in place, not a parameter)");
  for (int64_t d = 0; d < t.dim(); ++d)
    MINIDL_CHECK(t.strides()[d] != 0 || t.shape()[d] <= 1, ValueError, "batch_norm: ", what,
                 " is an expanded tensor and cannot be updated in place; clone() it first");
}

}  // namespace

// Per channel c, over the M = N * (product of dims 2..) values of that channel:
//   training:  mean_c and var_c = (1/M) sum (x - mean_c)^2 (biased) of the batch
//              running_mean = (1 - momentum) running_mean + momentum mean_c
//              running_var  = (1 - momentum) running_var  + momentum var_c M / (M - 1)   (unbiased)
//   eval:      mean_c, var_c = running_mean, running_var (constants for autograd)
//   xhat = (x - mean_c) / sqrt(var_c + eps),   y = w_c xhat + b_c
// Backward (sums over the channel's M values):
//   training:  dx = (w_c / sqrt(var_c + eps)) (g - sum(g) / M - xhat sum(g xhat) / M)
//   eval:      dx = (w_c / sqrt(var_c + eps)) g
//   dw_c = sum(g xhat),   db_c = sum(g)
// The cumulative average (momentum=None in the module) is momentum = 1 / num_batches_tracked,
// which minidl.nn.BatchNorm passes in; here momentum is only a number.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  const Shape& sh = input.shape();
  MINIDL_CHECK(input.dim() >= 2, ValueError,
               "batch_norm: expected an input of shape (N, C), (N, C, L) or (N, C, H, W), got shape ", shape_str(sh));
  MINIDL_CHECK(is_floating(input.dtype()), TypeError,
               "batch_norm: expected a floating-point input (float32 or float64), got ", dtype_name(input.dtype()));
  const int64_t N = sh[0], C = sh[1], S = numel_of(Shape(sh.begin() + 2, sh.end())), M = N * S;
  for (const auto& [t, what] : {std::pair{&running_mean, "running_mean"}, std::pair{&running_var, "running_var"},
                                std::pair{&weight, "weight"}, std::pair{&bias, "bias"}}) {
    if (!t->defined()) continue;
    MINIDL_CHECK(t->numel() == C, ValueError, "batch_norm: ", what, " has ", t->numel(),
                 " elements but the input has ", C, " features (dim 1 of shape ", shape_str(sh), ")");
    MINIDL_CHECK(is_floating(t->dtype()), TypeError, "batch_norm: ", what, " must be floating-point, got ",
                 dtype_name(t->dtype()));
  }
  if (training) {
    MINIDL_CHECK(M > 1, ValueError,
                 "batch_norm: expected more than 1 value per channel when training, got input of shape ",
                 shape_str(sh));
    check_running(running_mean, "running_mean");
    check_running(running_var, "running_var");
  } else {
    MINIDL_CHECK(running_mean.defined() && running_var.defined(), ValueError,
                 "batch_norm: running_mean and running_var are required when training=False (evaluation normalises "
                 "with the running statistics)");
  }
  const DType d = input.dtype();
  const Tensor xc = contiguous(input.detach());
  std::vector<double> mean(C), var(C), inv_std(C);
  std::vector<double> w = weight.defined() ? values(weight) : std::vector<double>(C, 1.0);
  std::vector<double> b = bias.defined() ? values(bias) : std::vector<double>(C, 0.0);

  Tensor y = dispatch_floating(d, "batch_norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* px = xc.data<T>();
    if (training) {
      std::vector<double> unused(C);
      chan::channel_sums(N, C, S, mean.data(), unused.data(),
                         [px](int64_t, int64_t i, double& a, double&) { a += static_cast<double>(px[i]); });
      for (int64_t c = 0; c < C; ++c) mean[c] /= static_cast<double>(M);
      const double* pm = mean.data();
      chan::channel_sums(N, C, S, var.data(), unused.data(), [px, pm](int64_t c, int64_t i, double& a, double&) {
        const double dv = static_cast<double>(px[i]) - pm[c];
        a += dv * dv;
      });
      for (int64_t c = 0; c < C; ++c) var[c] /= static_cast<double>(M);
    } else {
      mean = values(running_mean);
      var = values(running_var);
    }
    for (int64_t c = 0; c < C; ++c) inv_std[c] = 1.0 / std::sqrt(var[c] + eps);
    std::vector<T> m_t(C), k_t(C), b_t(C);
    for (int64_t c = 0; c < C; ++c) {
      m_t[c] = static_cast<T>(mean[c]);
      k_t[c] = static_cast<T>(w[c] * inv_std[c]);
      b_t[c] = static_cast<T>(b[c]);
    }
    Tensor out = Tensor::empty(sh, d);
    T* py = out.data<T>();
    chan::for_each_in_channels(N, C, S, 1, [&](int64_t c, int64_t i) { py[i] = (px[i] - m_t[c]) * k_t[c] + b_t[c]; });
    return out;
  });

  if (training && (running_mean.defined() || running_var.defined())) {
    NoGradGuard no_grad;
    const double unbias = static_cast<double>(M) / static_cast<double>(M - 1);
    if (running_mean.defined()) {
      std::vector<double> r = values(running_mean);
      for (int64_t c = 0; c < C; ++c) r[c] = (1 - momentum) * r[c] + momentum * mean[c];
      Tensor dst = running_mean;
      copy_(dst, from_values(r, running_mean.shape(), DType::Float64));
    }
    if (running_var.defined()) {
      std::vector<double> r = values(running_var);
      for (int64_t c = 0; c < C; ++c) r[c] = (1 - momentum) * r[c] + momentum * var[c] * unbias;
      Tensor dst = running_var;
      copy_(dst, from_values(r, running_var.shape(), DType::Float64));
    }
  }

  if (any_requires_grad({&input, &weight, &bias}))
    record("NativeBatchNormBackward0", {input, weight, bias}, y,
           [sx = SavedTensor(xc), mean, inv_std, w, training, N, C, S, M,
            wshape = weight.defined() ? weight.shape() : Shape{},
            bshape = bias.defined() ? bias.shape() : Shape{}](const Tensor& g, const Node& n) -> Grads {
             const Tensor x = sx.get();
             return dispatch_floating(x.dtype(), "batch_norm backward", [&](auto tag) -> Grads {
               using T = typename decltype(tag)::type;
               const Tensor gc = contiguous(as_dtype(g, x.dtype()));
               const T *px = x.data<T>(), *pg = gc.data<T>();
               const double* pm = mean.data();
               std::vector<double> sg(C), sgx(C);  // sum(g), sum(g (x - mean))
               chan::channel_sums(N, C, S, sg.data(), sgx.data(), [&](int64_t c, int64_t i, double& a, double& bb) {
                 const double gv = pg[i];
                 a += gv;
                 bb += gv * (static_cast<double>(px[i]) - pm[c]);
               });
               Tensor dx, dw, db;
               if (n.needs_input_grad(0)) {
                 std::vector<T> m_t(C), k_t(C), c0(C), c1(C);
                 for (int64_t c = 0; c < C; ++c) {
                   m_t[c] = static_cast<T>(mean[c]);
                   k_t[c] = static_cast<T>(w[c] * inv_std[c]);
                   // training: g - sum(g)/M - (x - mean) inv_std^2 sum(g (x - mean))/M
                   c0[c] = training ? static_cast<T>(sg[c] / M) : T(0);
                   c1[c] = training ? static_cast<T>(inv_std[c] * inv_std[c] * sgx[c] / M) : T(0);
                 }
                 dx = Tensor::empty(x.shape(), x.dtype());
                 T* pdx = dx.data<T>();
                 chan::for_each_in_channels(N, C, S, 2, [&](int64_t c, int64_t i) {
                   pdx[i] = k_t[c] * (pg[i] - c0[c] - (px[i] - m_t[c]) * c1[c]);
                 });
               }
               if (n.needs_input_grad(1)) {
                 std::vector<double> v(C);
                 for (int64_t c = 0; c < C; ++c) v[c] = inv_std[c] * sgx[c];
                 dw = from_values(v, wshape, x.dtype());
               }
               if (n.needs_input_grad(2)) db = from_values(sg, bshape, x.dtype());
               return {dx, dw, db};
             });
           });
  return y;
}

// Per row r (the last normalized_shape.size() dims flattened, D values):
//   mean_r, var_r = (1/D) sum (x - mean_r)^2 (biased),  rstd_r = 1 / sqrt(var_r + eps)
//   xhat = (x - mean_r) rstd_r,   y = w xhat + b   (w, b of shape normalized_shape)
// Backward, with h = g w and sums over the row:
//   dx = rstd_r (h - sum(h) / D - xhat sum(h xhat) / D)
//   dw = sum over rows of g xhat,   db = sum over rows of g
Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  MINIDL_CHECK(k >= 1, ValueError, "layer_norm: normalized_shape must have at least one dim, got []");
  MINIDL_CHECK(is_floating(input.dtype()), TypeError,
               "layer_norm: expected a floating-point input (float32 or float64), got ", dtype_name(input.dtype()));
  const Shape& sh = input.shape();
  const bool ends_with = input.dim() >= k && std::equal(normalized_shape.begin(), normalized_shape.end(), sh.end() - k);
  if (!ends_with) {
    std::string expected = shape_str(normalized_shape);
    expected.insert(1, "*, ");
    throw ValueError(str("layer_norm: normalized_shape ", shape_str(normalized_shape), " expects an input of shape ",
                         expected, ", got shape ", shape_str(sh)));
  }
  for (const auto& [t, what] : {std::pair{&weight, "weight"}, std::pair{&bias, "bias"}}) {
    if (!t->defined()) continue;
    MINIDL_CHECK(t->shape() == normalized_shape, ValueError, "layer_norm: ", what, " must have shape ",
                 shape_str(normalized_shape), " (normalized_shape), got shape ", shape_str(t->shape()));
    MINIDL_CHECK(is_floating(t->dtype()), TypeError, "layer_norm: ", what, " must be floating-point, got ",
                 dtype_name(t->dtype()));
  }
  const DType d = input.dtype();
  const int64_t D = numel_of(normalized_shape), M = numel_of(Shape(sh.begin(), sh.end() - k));
  const Tensor xc = contiguous(input.detach());
  // the per-row statistics, kept for backward
  auto mean = std::make_shared<std::vector<double>>(M), rstd = std::make_shared<std::vector<double>>(M);
  const std::vector<double> w = weight.defined() ? values(weight) : std::vector<double>(D, 1.0);
  const std::vector<double> b = bias.defined() ? values(bias) : std::vector<double>(D, 0.0);
  const int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, 3 * D));

  Tensor y = dispatch_floating(d, "layer_norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    Tensor out = Tensor::empty(sh, d);
    if (D == 0) return out;
    const T* px = xc.data<T>();
    T* py = out.data<T>();
    const std::vector<T> w_t = cast_vec<T>(w), b_t = cast_vec<T>(b);
    double *pmean = mean->data(), *prstd = rstd->data();
    parallel_for(M, grain, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* x = px + r * D;
        const double m = block_sum<T>(D, [x](int64_t i) { return x[i]; }) / D;
        const T mt0 = static_cast<T>(m);
        const double v = block_sum<T>(D, [x, mt0](int64_t i) {
          const T dv = x[i] - mt0;
          return dv * dv;
        }) / D;
        const double rs = 1.0 / std::sqrt(v + eps);
        pmean[r] = m;
        prstd[r] = rs;
        const T mt = static_cast<T>(m), rt = static_cast<T>(rs);
        T* yr = py + r * D;
        for (int64_t i = 0; i < D; ++i) yr[i] = (x[i] - mt) * rt * w_t[i] + b_t[i];
      }
    });
    return out;
  });

  if (any_requires_grad({&input, &weight, &bias}))
    record("NativeLayerNormBackward0", {input, weight, bias}, y,
           [sx = SavedTensor(xc), mean, rstd, w, M, D, ns = normalized_shape](const Tensor& g, const Node& n) -> Grads {
             const Tensor x = sx.get();
             return dispatch_floating(x.dtype(), "layer_norm backward", [&](auto tag) -> Grads {
               using T = typename decltype(tag)::type;
               const Tensor gc = contiguous(as_dtype(g, x.dtype()));
               const T *px = x.data<T>(), *pg = gc.data<T>();
               const std::vector<T> w_t = cast_vec<T>(w);
               const double *pmean = mean->data(), *prstd = rstd->data();
               const bool need_x = n.needs_input_grad(0), need_w = n.needs_input_grad(1);
               Tensor dx = need_x ? Tensor::empty(x.shape(), x.dtype()) : Tensor();
               Tensor gx = need_w ? Tensor::empty({M, D}, x.dtype()) : Tensor();  // g xhat, summed over rows below
               T* pdx = need_x ? dx.data<T>() : nullptr;
               T* pgx = need_w ? gx.data<T>() : nullptr;
               if (D > 0 && (need_x || need_w))
                 parallel_for(M, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, 4 * D)),
                              [&](int64_t r0, int64_t r1) {
                   for (int64_t r = r0; r < r1; ++r) {
                     const T *xr = px + r * D, *gr = pg + r * D;
                     const T mt = static_cast<T>(pmean[r]), rt = static_cast<T>(prstd[r]);
                     if (need_w)
                       for (int64_t i = 0; i < D; ++i) pgx[r * D + i] = gr[i] * (xr[i] - mt) * rt;
                     if (!need_x) continue;
                     const T* w = w_t.data();
                     const auto [sh1, sh2] = block_sum2<T>(
                         D, [gr, w](int64_t i) { return gr[i] * w[i]; },
                         [gr, w, xr, mt](int64_t i) { return gr[i] * w[i] * (xr[i] - mt); });
                     const T a = static_cast<T>(sh1 / D), c = static_cast<T>(sh2 * prstd[r] / D);
                     T* dr = pdx + r * D;
                     for (int64_t i = 0; i < D; ++i) dr[i] = rt * (gr[i] * w_t[i] - a - (xr[i] - mt) * rt * c);
                   }
                 });
               Tensor dw, db;
               if (need_w) dw = reshape(sum(gx, {0}), ns);
               if (n.needs_input_grad(2)) db = reshape(sum(reshape(gc, {M, D}), {0}), ns);
               return {dx, dw, db};
             });
           });
  return y;
}

}  // namespace minidl::nn
