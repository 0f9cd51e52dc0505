// One-input elementwise ops: kernels and gradients.
// Math functions of integer tensors compute in float32 (as PyTorch does).
#include <cmath>

#include "elementwise_util.hpp"
#include "minidl/ops/shape_ops.hpp"
#include "vmath.hpp"

namespace minidl {

using detail::as_dtype;
using detail::float_result;
using detail::map1;
using detail::zip;

namespace {

// y = f(x) computed in dtype d (x cast to d first).
template <class F>
Tensor apply_unary(const Tensor& x, DType d, const F& f, int64_t work = 1) {
  return dispatch(d, [&](auto tag) {
    using T = typename decltype(tag)::type;
    return map1<T, T>(as_dtype(x, d), [&](T v) { return static_cast<T>(f(v)); }, work);
  });
}

// Math functions: floating only; integer input is computed in float32. Contiguous
// input (or a contiguous copy of strided input) goes through the vectorised kernels.
template <class Op>
Tensor apply_math(const char* op, const Tensor& x) {
  const DType d = float_result(x.dtype());
  return dispatch_floating(d, op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const Tensor xc = contiguous(as_dtype(x, d));
    Tensor y = Tensor::empty(x.shape(), d);
    vmath::vmap<Op>(xc.data<T>(), y.data<T>(), y.numel());
    return y;
  });
}

}  // namespace

// y = -x               dx = -g
Tensor neg(const Tensor& x) {
  // RuntimeError, as in PyTorch.
  MINIDL_CHECK(x.dtype() != DType::Bool, Error,
               "negation, the `-` operator, on a bool tensor is not supported; use logical_not() or ~ instead");
  Tensor y = apply_unary(x, x.dtype(), [](auto v) { return detail::wrapping_neg(v); });
  if (any_requires_grad({&x}))
    record("NegBackward0", {x}, y, [](const Tensor& g, const Node&) -> Grads { return {neg(g)}; });
  return y;
}

// y = |x|              dx = g * sign(x)   (sign(0) = 0)
Tensor abs(const Tensor& x) {
  Tensor y = apply_unary(x, x.dtype(), [](auto v) {
    if constexpr (std::is_same_v<decltype(v), bool>) return v;
    else return v < 0 ? detail::wrapping_neg(v) : v;
  });
  if (any_requires_grad({&x}))
    record("AbsBackward0", {x}, y, [sx = SavedTensor(x)](const Tensor& g, const Node&) -> Grads {
      return {zip(g, sx.get(), [](auto gv, auto v) { return v > 0 ? gv : v < 0 ? -gv : 0; })};
    });
  return y;
}

// y = e^x              dx = g * y
Tensor exp(const Tensor& x) {
  Tensor y = apply_math<vmath::Exp>("exp", x);
  if (any_requires_grad({&x}))
    record("ExpBackward0", {x}, y, [sy = SavedTensor(y)](const Tensor& g, const Node&) -> Grads { return {mul(g, sy.get())}; });
  return y;
}

// y = ln x             dx = g / x
Tensor log(const Tensor& x) {
  Tensor y = apply_math<vmath::Log>("log", x);
  if (any_requires_grad({&x}))
    record("LogBackward0", {x}, y, [sx = SavedTensor(x)](const Tensor& g, const Node&) -> Grads { return {div(g, sx.get())}; });
  return y;
}

// y = sqrt(x)          dx = g / (2 y)
Tensor sqrt(const Tensor& x) {
  Tensor y = apply_math<vmath::Sqrt>("sqrt", x);
  if (any_requires_grad({&x}))
    record("SqrtBackward0", {x}, y, [sy = SavedTensor(y)](const Tensor& g, const Node&) -> Grads {
      return {zip(g, sy.get(), [](auto gv, auto yv) { return gv / (2 * yv); })};
    });
  return y;
}

// y = sin x            dx = g cos x
Tensor sin(const Tensor& x) {
  Tensor y = apply_math<vmath::Sin>("sin", x);
  if (any_requires_grad({&x}))
    record("SinBackward0", {x}, y, [sx = SavedTensor(x)](const Tensor& g, const Node&) -> Grads {
      return {zip(g, sx.get(), [](auto gv, auto v) { return gv * std::cos(v); })};
    });
  return y;
}

// y = cos x            dx = -g sin x
Tensor cos(const Tensor& x) {
  Tensor y = apply_math<vmath::Cos>("cos", x);
  if (any_requires_grad({&x}))
    record("CosBackward0", {x}, y, [sx = SavedTensor(x)](const Tensor& g, const Node&) -> Grads {
      return {zip(g, sx.get(), [](auto gv, auto v) { return -gv * std::sin(v); })};
    });
  return y;
}

// y = tanh x           dx = g (1 - y^2)
Tensor tanh(const Tensor& x) {
  Tensor y = apply_math<vmath::Tanh>("tanh", x);
  if (any_requires_grad({&x}))
    record("TanhBackward0", {x}, y, [sy = SavedTensor(y)](const Tensor& g, const Node&) -> Grads {
      return {zip(g, sy.get(), [](auto gv, auto yv) { return gv * (1 - yv * yv); })};
    });
  return y;
}

// y = 1 / (1 + e^-x)   dx = g y (1 - y)
// Stable for large |x|: e^-x overflowing to inf gives y = 0, never nan.
Tensor sigmoid(const Tensor& x) {
  Tensor y = apply_math<vmath::Sigmoid>("sigmoid", x);
  if (any_requires_grad({&x}))
    record("SigmoidBackward0", {x}, y, [sy = SavedTensor(y)](const Tensor& g, const Node&) -> Grads {
      return {zip(g, sy.get(), [](auto gv, auto yv) { return gv * yv * (1 - yv); })};
    });
  return y;
}

// y = max(x, 0)        dx = g [x > 0]   (relu'(0) = 0; relu(NaN) = NaN, as in PyTorch)
Tensor relu(const Tensor& x) {
  MINIDL_CHECK(x.dtype() != DType::Bool, TypeError, "relu is not defined for bool tensors");
  Tensor y = apply_unary(x, x.dtype(), [](auto v) { return (v > 0 || v != v) ? v : decltype(v)(0); });
  if (any_requires_grad({&x}))
    record("ReluBackward0", {x}, y, [sy = SavedTensor(y)](const Tensor& g, const Node&) -> Grads {
      return {zip(g, sy.get(), [](auto gv, auto yv) { return yv > 0 ? gv : 0; })};
    });
  return y;
}

// y = min(max(x, lo), hi)     dx = g [lo <= x <= hi]
Tensor clamp(const Tensor& x, std::optional<double> lo, std::optional<double> hi) {
  MINIDL_CHECK(lo || hi, ValueError, "clamp: at least one of min and max must be given");
  MINIDL_CHECK(x.dtype() != DType::Bool, TypeError, "clamp is not defined for bool tensors");
  double l = lo ? *lo : -INFINITY, h = hi ? *hi : INFINITY;
  const bool nan_bound = std::isnan(l) || std::isnan(h);
  if (x.dtype() == DType::Int64) {
    // an int64 result cannot hold NaN, and casting a bound beyond int64's range is undefined
    MINIDL_CHECK(!nan_bound, ValueError, "clamp: min=", l, ", max=", h, ": a NaN bound on an int64 tensor");
    l = std::max(l, -9.2e18);
    h = std::min(h, 9.2e18);
  }
  // The result keeps x's dtype; bounds are applied in double precision. A NaN bound gives NaN
  // (PyTorch), which std::max/std::min would drop.
  Tensor y = apply_unary(x, x.dtype(), [l, h, nan_bound](auto v) {
    using T = decltype(v);
    const double r = nan_bound ? NAN : std::min(std::max(static_cast<double>(v), l), h);
    return static_cast<T>(std::isnan(static_cast<double>(v)) ? static_cast<double>(v) : r);
  });
  if (any_requires_grad({&x}))
    record("ClampBackward1", {x}, y, [sx = SavedTensor(x), l, h](const Tensor& g, const Node&) -> Grads {
      return {zip(g, sx.get(), [l, h](auto gv, auto v) { return (v >= l && v <= h) ? gv : 0; })};
    });
  return y;
}

// A copy in another dtype. The gradient is cast back by the engine (central dtype cast).
Tensor to_dtype(const Tensor& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  Tensor y = Tensor::empty(x.shape(), dtype);
  dispatch(dtype, [&](auto out_tag) {
    using O = typename decltype(out_tag)::type;
    dispatch(x.dtype(), [&](auto in_tag) {
      using I = typename decltype(in_tag)::type;
      loops::unary<O, I>(y, x, [](I v) {
        if constexpr (std::is_same_v<O, bool>) return v != I(0);
        else return static_cast<O>(v);
      });
    });
  });
  if (is_floating(dtype) && any_requires_grad({&x}))
    record("ToCopyBackward0", {x}, y, [](const Tensor& g, const Node&) -> Grads { return {g}; });
  return y;
}

// A contiguous copy.               dx = g
Tensor clone(const Tensor& x) {
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  dispatch(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    loops::unary<T, T>(y, x, [](T v) { return v; });
  });
  if (any_requires_grad({&x}))
    record("CloneBackward0", {x}, y, [](const Tensor& g, const Node&) -> Grads { return {g}; });
  return y;
}

}  // namespace minidl
