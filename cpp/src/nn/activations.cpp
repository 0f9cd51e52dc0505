// Activation functions: kernels and gradients.
//
// Each forward and each gradient is one pass over memory. The pointwise ones run on xsimd
// batches (8 floats per AVX2 instruction, 16 with AVX-512): the smooth ones spend their time
// in exp / erf / tanh, which glibc computes one scalar at a time. A strided input is made
// contiguous first (and that copy is what backward reads). Derivatives at kinks follow
// PyTorch: leaky_relu'(0) = negative_slope, elu'(0) = alpha, prelu'(0) = weight,
// hardtanh' = 0 at min_val and max_val (the gradient passes strictly inside).
#include <cmath>
#include <xsimd/xsimd.hpp>

#include "../ops/elementwise_util.hpp"
#include "channel_loops.hpp"
#include "minidl/creation.hpp"
#include "minidl/nn/layers.hpp"
#include "minidl/ops/reduce.hpp"
#include "minidl/ops/shape_ops.hpp"

namespace minidl::nn {

namespace {

using minidl::detail::as_dtype;

// A constant batch of the element type of V.
template <class V>
V splat(double v) { return V(static_cast<typename V::value_type>(v)); }

// y[i] = f(x[i]) (or f(a[i], b[i])) over contiguous arrays, f taking and returning xsimd
// batches. The last partial batch goes through a zero-padded buffer, so every element gets
// the same arithmetic.
template <class T, class F>
void vmap1(const T* x, T* y, int64_t n, int64_t work, const F& f) {
  using V = xsimd::batch<T>;
  constexpr int64_t W = V::size;
  parallel_for(n, std::max<int64_t>(W, kParallelGrain / work), [&](int64_t b, int64_t e) {
    int64_t i = b;
    for (; i + W <= e; i += W) f(xsimd::load_unaligned(x + i)).store_unaligned(y + i);
    if (i < e) {
      T buf[W] = {};
      std::copy(x + i, x + e, buf);
      f(xsimd::load_unaligned(buf)).store_unaligned(buf);
      std::copy(buf, buf + (e - i), y + i);
    }
  });
}

template <class T, class F>
void vmap2(const T* a, const T* b, T* y, int64_t n, int64_t work, const F& f) {
  using V = xsimd::batch<T>;
  constexpr int64_t W = V::size;
  parallel_for(n, std::max<int64_t>(W, kParallelGrain / work), [&](int64_t s, int64_t e) {
    int64_t i = s;
    for (; i + W <= e; i += W) f(xsimd::load_unaligned(a + i), xsimd::load_unaligned(b + i)).store_unaligned(y + i);
    if (i < e) {
      T ba[W] = {}, bb[W] = {};
      std::copy(a + i, a + e, ba);
      std::copy(b + i, b + e, bb);
      f(xsimd::load_unaligned(ba), xsimd::load_unaligned(bb)).store_unaligned(ba);
      std::copy(ba, ba + (e - i), y + i);
    }
  });
}

// The input as one contiguous array of its own (floating) dtype, cut from the graph: the op
// records itself.
Tensor flat_input(const char* op, const Tensor& x) {
  MINIDL_CHECK(is_floating(x.dtype()), TypeError, op, ": expected a floating-point tensor (float32 or float64), got ",
               dtype_name(x.dtype()));
  return contiguous(x.detach());
}

// y = f(x) over a flat input.
template <class F>
Tensor map_x(const Tensor& xc, int64_t work, const F& f) {
  return dispatch_floating(xc.dtype(), "activation", [&](auto tag) {
    using T = typename decltype(tag)::type;
    Tensor y = Tensor::empty(xc.shape(), xc.dtype());
    vmap1<T>(xc.data<T>(), y.data<T>(), y.numel(), work, f);
    return y;
  });
}

// dx = f(g, x): a gradient formula over the flat input saved by forward.
template <class F>
Tensor map_gx(const Tensor& g, const Tensor& xc, int64_t work, const F& f) {
  return dispatch_floating(xc.dtype(), "activation backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const Tensor gc = contiguous(as_dtype(g, xc.dtype()));
    Tensor dx = Tensor::empty(xc.shape(), xc.dtype());
    vmap2<T>(gc.data<T>(), xc.data<T>(), dx.data<T>(), dx.numel(), work, f);
    return dx;
  });
}

// One pointwise activation: forward kernel `f(x)`, gradient kernel `df(g, x)`.
template <class F, class DF>
Tensor pointwise(const char* op, const char* backward_name, const Tensor& input, int64_t work, const F& f,
                 const DF& df) {
  const Tensor xc = flat_input(op, input);
  Tensor y = map_x(xc, work, f);
  if (any_requires_grad({&input}))
    record(backward_name, {input}, y, [sx = SavedTensor(xc), work, df](const Tensor& g, const Node&) -> Grads {
      return {map_gx(g, sx.get(), work, df)};
    });
  return y;
}

constexpr double kSqrt1_2 = 0.70710678118654752440;     // 1/sqrt(2)
constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // 1/sqrt(2 pi)
constexpr double kSqrt2_Pi = 0.79788456080286535588;    // sqrt(2/pi)
constexpr double kGeluCubic = 0.044715;

}  // namespace

// y = x if x > 0 else s x           dx = g if x > 0 else s g
Tensor leaky_relu(const Tensor& input, double s) {
  return pointwise(
      "leaky_relu", "LeakyReluBackward0", input, 1,
      [s](auto x) { using V = decltype(x); return xsimd::select(x > splat<V>(0), x, x * splat<V>(s)); },
      [s](auto g, auto x) { using V = decltype(x); return xsimd::select(x > splat<V>(0), g, g * splat<V>(s)); });
}

// y = x if x > 0 else a (e^x - 1)   dx = g if x > 0 else g a e^x
Tensor elu(const Tensor& input, double a) {
  return pointwise(
      "elu", "EluBackward0", input, 4,
      [a](auto x) { using V = decltype(x); return xsimd::select(x > splat<V>(0), x, splat<V>(a) * xsimd::expm1(x)); },
      [a](auto g, auto x) {
        using V = decltype(x);
        return xsimd::select(x > splat<V>(0), g, g * splat<V>(a) * xsimd::exp(x));
      });
}

// y = x sigmoid(x) = x / (1 + e^-x)   dx = g s (1 + x (1 - s)),  s = sigmoid(x)
// For x -> -inf, e^-x -> inf and both give 0 (never nan).
Tensor silu(const Tensor& input) {
  return pointwise(
      "silu", "SiluBackward0", input, 4,
      [](auto x) { using V = decltype(x); return x / (splat<V>(1) + xsimd::exp(-x)); },
      [](auto g, auto x) {
        using V = decltype(x);
        const V one = splat<V>(1), s = one / (one + xsimd::exp(-x));
        return g * s * (one + x * (one - s));
      });
}

// approximate="none":  y = x Phi(x),  Phi(x) = erfc(-x / sqrt 2) / 2   (erfc: no cancellation
//                      in the left tail, where 1 + erf(x / sqrt 2) would lose every digit)
//                      dx = g (Phi(x) + x phi(x)),  phi(x) = e^(-x^2/2) / sqrt(2 pi)
// approximate="tanh":  y = x (1 + tanh u) / 2,  u = sqrt(2/pi) (x + 0.044715 x^3)
//                      dx = g ((1 + t) / 2 + x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2) / 2),  t = tanh u
Tensor gelu(const Tensor& input, const std::string& approximate) {
  MINIDL_CHECK(approximate == "none" || approximate == "tanh", ValueError,
               "gelu: approximate must be 'none' or 'tanh', got '", approximate, "'");
  if (approximate == "none")
    return pointwise(
        "gelu", "GeluBackward0", input, 8,
        [](auto x) { using V = decltype(x); return x * splat<V>(0.5) * xsimd::erfc(-x * splat<V>(kSqrt1_2)); },
        [](auto g, auto x) {
          using V = decltype(x);
          const V cdf = splat<V>(0.5) * xsimd::erfc(-x * splat<V>(kSqrt1_2));
          const V pdf = splat<V>(kInvSqrt2Pi) * xsimd::exp(splat<V>(-0.5) * x * x);
          return g * (cdf + x * pdf);
        });
  return pointwise(
      "gelu", "GeluBackward0", input, 8,
      [](auto x) {
        using V = decltype(x);
        const V t = xsimd::tanh(splat<V>(kSqrt2_Pi) * (x + splat<V>(kGeluCubic) * x * x * x));
        return splat<V>(0.5) * x * (splat<V>(1) + t);
      },
      [](auto g, auto x) {
        using V = decltype(x);
        const V one = splat<V>(1), half = splat<V>(0.5), x2 = x * x;
        const V t = xsimd::tanh(splat<V>(kSqrt2_Pi) * x * (one + splat<V>(kGeluCubic) * x2));
        const V du = splat<V>(kSqrt2_Pi) * (one + splat<V>(3 * kGeluCubic) * x2);
        return g * (half * (one + t) + half * x * (one - t * t) * du);
      });
}

// z = beta x:   y = x if z > threshold else log(1 + e^z) / beta
//               dx = g if z > threshold else g sigmoid(z)
// log(1 + e^z) is computed as max(z, 0) + log1p(e^-|z|): no overflow for any threshold.
Tensor softplus(const Tensor& input, double beta, double threshold) {
  return pointwise(
      "softplus", "SoftplusBackward0", input, 8,
      [beta, threshold](auto x) {
        using V = decltype(x);
        const V z = x * splat<V>(beta);
        const V sp = (xsimd::max(z, splat<V>(0)) + xsimd::log1p(xsimd::exp(-xsimd::abs(z)))) / splat<V>(beta);
        return xsimd::select(z > splat<V>(threshold), x, sp);
      },
      [beta, threshold](auto g, auto x) {
        using V = decltype(x);
        const V z = x * splat<V>(beta);
        return xsimd::select(z > splat<V>(threshold), g, g / (splat<V>(1) + xsimd::exp(-z)));
      });
}

// y = min(max(x, lo), hi)          dx = g if lo < x < hi else 0
Tensor hardtanh(const Tensor& input, double lo, double hi) {
  MINIDL_CHECK(lo <= hi, ValueError, "hardtanh: min_val cannot be greater than max_val, got min_val=", lo,
               " and max_val=", hi);
  return pointwise(
      "hardtanh", "HardtanhBackward0", input, 1,
      [lo, hi](auto x) {
        using V = decltype(x);
        const V l = splat<V>(lo), h = splat<V>(hi);
        return xsimd::select(x < l, l, xsimd::select(x > h, h, x));  // nan stays nan
      },
      [lo, hi](auto g, auto x) {
        using V = decltype(x);
        return xsimd::select((x <= splat<V>(lo)) | (x >= splat<V>(hi)), splat<V>(0), g);
      });
}

// y = x if x > 0 else w_c x         dx = g if x > 0 else w_c g
//                                   dw_c = sum over every dim but 1 of (x if x <= 0 else 0) g
// w has 1 element (one slope for all) or C = input.shape[1] (one per channel).
Tensor prelu(const Tensor& input, const Tensor& weight) {
  MINIDL_CHECK(weight.dim() <= 1, ValueError, "prelu: weight must be a 0-d or 1-D tensor, got shape ",
               shape_str(weight.shape()));
  const int64_t k = weight.numel();
  const int64_t channels = input.dim() >= 2 ? input.shape()[1] : 1;
  MINIDL_CHECK(k == 1 || k == channels, ValueError, "prelu: weight has ", k, " elements but the input has ", channels,
               " channels (", input.dim() >= 2 ? "dim 1" : "no channel dim, so 1", " of shape ",
               shape_str(input.shape()), "); give 1 slope or one per channel");
  const Tensor xc = flat_input("prelu", input);
  const DType d = xc.dtype();
  const Tensor wc = contiguous(as_dtype(weight.detach(), d));
  // (N, C, S) with C = 1 when one slope serves every element
  const int64_t C = k, N = C == 1 ? 1 : input.shape()[0];
  const int64_t S = C == 1 ? xc.numel() : numel_of(Shape(input.shape().begin() + 2, input.shape().end()));

  Tensor y = dispatch_floating(d, "prelu", [&](auto tag) {
    using T = typename decltype(tag)::type;
    Tensor out = Tensor::empty(xc.shape(), d);
    const T *px = xc.data<T>(), *pw = wc.data<T>();
    T* py = out.data<T>();
    chan::for_each_in_channels(N, C, S, 1, [&](int64_t c, int64_t i) { py[i] = px[i] > 0 ? px[i] : pw[c] * px[i]; });
    return out;
  });

  if (any_requires_grad({&input, &weight}))
    record("PreluKernelBackward0", {input, weight}, y,
           [sx = SavedTensor(xc), sw = SavedTensor(wc), wshape = weight.shape(), N, C, S](const Tensor& g,
                                                                                         const Node& n) -> Grads {
             const Tensor x = sx.get(), w = sw.get();
             return dispatch_floating(x.dtype(), "prelu backward", [&](auto tag) -> Grads {
               using T = typename decltype(tag)::type;
               const Tensor gc = contiguous(as_dtype(g, x.dtype()));
               const T *px = x.data<T>(), *pw = w.data<T>(), *pg = gc.data<T>();
               Tensor dx, dw;
               if (n.needs_input_grad(0)) {
                 dx = Tensor::empty(x.shape(), x.dtype());
                 T* pdx = dx.data<T>();
                 chan::for_each_in_channels(N, C, S, 1, [&](int64_t c, int64_t i) {
                   pdx[i] = px[i] > 0 ? pg[i] : pw[c] * pg[i];
                 });
               }
               if (n.needs_input_grad(1)) {
                 std::vector<double> s(C), unused(C);
                 chan::channel_sums(N, C, S, s.data(), unused.data(), [&](int64_t, int64_t i, double& a, double&) {
                   a += px[i] > 0 ? 0.0 : static_cast<double>(px[i]) * pg[i];
                 });
                 dw = Tensor::empty(wshape, x.dtype());
                 T* pdw = dw.data<T>();
                 for (int64_t c = 0; c < C; ++c) pdw[c] = static_cast<T>(s[c]);
               }
               return {dx, dw};
             });
           });
  return y;
}

// The perceptron's units. Piecewise constant: the gradient is 0 wherever it exists (and
// taken as 0 at the jump), so backpropagation passes nothing through them; the perceptron
// learning rule updates its weights without it. NaN gives 0 in both, as in PyTorch.

// y = 1 if x >= 0 else 0            dx = 0
Tensor step(const Tensor& input) {
  Tensor y = dispatch_numeric(input.dtype(), "step", [&](auto tag) {
    using T = typename decltype(tag)::type;
    return minidl::detail::map1<T, T>(input.detach(), [](T v) { return v >= T(0) ? T(1) : T(0); });
  });
  if (any_requires_grad({&input}))
    record("StepBackward0", {input}, y, [shape = input.shape()](const Tensor& g, const Node&) -> Grads {
      return {zeros(shape, g.dtype())};
    });
  return y;
}

// y = 1 if x > 0, -1 if x < 0, else 0   dx = 0
Tensor sign(const Tensor& input) {
  Tensor y = dispatch_numeric(input.dtype(), "sign", [&](auto tag) {
    using T = typename decltype(tag)::type;
    return minidl::detail::map1<T, T>(input.detach(), [](T v) { return v > T(0) ? T(1) : v < T(0) ? T(-1) : T(0); });
  });
  if (any_requires_grad({&input}))
    record("SignBackward0", {input}, y, [shape = input.shape()](const Tensor& g, const Node&) -> Grads {
      return {zeros(shape, g.dtype())};
    });
  return y;
}

}  // namespace minidl::nn
