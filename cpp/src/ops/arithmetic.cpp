// + - * / ** maximum minimum: kernels and gradients, with NumPy broadcasting.
// Gradients may keep the broadcast shape: the engine sums them back to each input's shape.
#include <cmath>

#include "elementwise_util.hpp"

namespace minidl {

using detail::as_dtype;
using detail::map2;
using detail::zip;

Tensor scalar_tensor(double value, DType dtype) {
  Tensor t = Tensor::empty({}, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    *t.data<T>() = static_cast<T>(value);
  });
  return t;
}

Tensor scalar_like(double value, bool is_floating_value, bool is_bool_value, const Tensor& like) {
  DType d = like.dtype();
  if (is_floating_value && !is_floating(d)) d = kDefaultFloat;
  else if (!is_floating_value && !is_bool_value && d == DType::Bool) d = DType::Int64;
  return scalar_tensor(value, d);
}

DType result_type(const Tensor& a, const Tensor& b) {
  const bool a0 = a.dim() == 0, b0 = b.dim() == 0;
  if (a0 == b0) return promote(a.dtype(), b.dtype());
  // A 0-d tensor only decides the dtype when it is of a higher category (PyTorch's rule).
  const Tensor& dimmed = a0 ? b : a;
  const Tensor& zero_d = a0 ? a : b;
  return category(zero_d.dtype()) > category(dimmed.dtype()) ? zero_d.dtype() : dimmed.dtype();
}

namespace {

// Run `f` in dtype `d` over a and b (cast to d), producing dtype `d`.
template <class F>
Tensor arith(const char* op, const Tensor& a, const Tensor& b, DType d, const F& f) {
  return dispatch(d, [&](auto tag) {
    using T = typename decltype(tag)::type;
    return map2<T, T>(as_dtype(a, d), as_dtype(b, d), [&](T x, T y) { return static_cast<T>(f(x, y)); });
  });
}

}  // namespace

// y = a + b            da = g,  db = g
Tensor add(const Tensor& a, const Tensor& b) {
  const DType d = result_type(a, b);
  Tensor y = d == DType::Bool ? arith("add", a, b, d, [](bool x, bool z) { return x || z; })
                              : arith("add", a, b, d, [](auto x, auto z) { return detail::wrapping_add(x, z); });
  if (any_requires_grad({&a, &b}))
    record("AddBackward0", {a, b}, y, [](const Tensor& g, const Node&) -> Grads { return {g, g}; });
  return y;
}

// y = a - b            da = g,  db = -g
Tensor sub(const Tensor& a, const Tensor& b) {
  const DType d = result_type(a, b);
  // RuntimeError, as in PyTorch (code ported from PyTorch catches that).
  MINIDL_CHECK(d != DType::Bool, Error,
               "subtraction, the `-` operator, with two bool tensors is not supported; for bools use "
               "a != b (exclusive or) or logical_and(a, logical_not(b))");
  Tensor y = arith("sub", a, b, d, [](auto x, auto z) { return detail::wrapping_sub(x, z); });
  if (any_requires_grad({&a, &b}))
    record("SubBackward0", {a, b}, y, [](const Tensor& g, const Node& n) -> Grads {
      return {g, n.needs_input_grad(1) ? neg(g) : Tensor()};
    });
  return y;
}

// y = a * b            da = g * b,  db = g * a
Tensor mul(const Tensor& a, const Tensor& b) {
  const DType d = result_type(a, b);
  Tensor y = d == DType::Bool ? arith("mul", a, b, d, [](bool x, bool z) { return x && z; })
                              : arith("mul", a, b, d, [](auto x, auto z) { return detail::wrapping_mul(x, z); });
  if (any_requires_grad({&a, &b}))
    record("MulBackward0", {a, b}, y, [sa = SavedTensor(a), sb = SavedTensor(b)](const Tensor& g, const Node& n) -> Grads {
      return {n.needs_input_grad(0) ? mul(g, sb.get()) : Tensor(), n.needs_input_grad(1) ? mul(g, sa.get()) : Tensor()};
    });
  return y;
}

// y = a / b            da = g / b,  db = -g * a / b^2
Tensor div(const Tensor& a, const Tensor& b) {
  const DType d = detail::float_result(result_type(a, b));  // true division, as in Python 3
  Tensor y = arith("div", a, b, d, [](auto x, auto z) { return x / z; });
  if (any_requires_grad({&a, &b}))
    record("DivBackward0", {a, b}, y, [sa = SavedTensor(a), sb = SavedTensor(b)](const Tensor& g, const Node& n) -> Grads {
      Tensor bv = sb.get();
      Tensor ga = n.needs_input_grad(0) ? div(g, bv) : Tensor();
      Tensor gb = n.needs_input_grad(1) ? neg(div(mul(g, sa.get()), mul(bv, bv))) : Tensor();
      return {ga, gb};
    });
  return y;
}

// y = a ^ b            da = g * b * a^(b-1)  (0 where b == 0)
//                      db = g * a^b * ln(a)  (0 where a == 0 and b >= 0)
Tensor pow(const Tensor& a, const Tensor& b) {
  const DType d = result_type(a, b);
  MINIDL_CHECK(d != DType::Bool, TypeError, "pow is not defined for bool tensors");
  if (d == DType::Int64) {
    Tensor bi = as_dtype(b, d);
    if (!bi.is_contiguous()) bi = clone(bi);  // the scan below reads memory in order
    bool negative = false;
    const int64_t* pb = bi.data<int64_t>();
    for (int64_t i = 0; i < bi.numel() && !negative; ++i) negative = pb[i] < 0;
    MINIDL_CHECK(!negative, ValueError, "integers to negative integer powers are not allowed; use a float base");
  }
  Tensor y = arith("pow", a, b, d, [](auto x, auto z) {
    using T = decltype(x);
    if constexpr (std::is_same_v<T, bool>) {
      return x;  // unreachable: bool is refused above
    } else if constexpr (std::is_integral_v<T>) {
      // By squaring, in unsigned arithmetic: overflow wraps (as in NumPy and PyTorch) instead of
      // being undefined, which the last, unused squaring of the base could hit (2**40 ** 1).
      using U = std::make_unsigned_t<T>;
      U r = 1, base = static_cast<U>(x);
      for (T e = z; e > 0; e >>= 1) {
        if (e & 1) r *= base;
        base *= base;
      }
      return static_cast<T>(r);
    } else {
      return static_cast<T>(std::pow(x, z));
    }
  });
  if (any_requires_grad({&a, &b})) {
    const char* name = b.requires_grad() ? "PowBackward1" : "PowBackward0";
    record(name, {a, b}, y, [sa = SavedTensor(a), sb = SavedTensor(b), sy = SavedTensor(y)](const Tensor& g, const Node& n) -> Grads {
      Tensor av = sa.get(), bv = sb.get();
      Tensor ga, gb;
      if (n.needs_input_grad(0)) {
        Tensor local = detail::zip(av, bv, [](auto x, auto e) { return e == 0 ? 0 : e * std::pow(x, e - 1); });
        ga = mul(g, local);
      }
      if (n.needs_input_grad(1)) {
        Tensor local = detail::zip(av, sy.get(), [](auto x, auto yv) { return x == 0 ? 0 : yv * std::log(x); });
        // where a == 0 and b < 0 the true derivative is undefined; y*log(a) would be inf*-inf.
        gb = mul(g, local);
      }
      return {ga, gb};
    });
  }
  return y;
}

// maximum / minimum: the gradient goes to the larger (smaller) input, split evenly at ties.
// A NaN on either side gives NaN (as NumPy and PyTorch): `x != x` holds only for NaN.
Tensor maximum(const Tensor& a, const Tensor& b) {
  const DType d = result_type(a, b);
  Tensor y = arith("maximum", a, b, d, [](auto x, auto z) { return (x >= z || x != x) ? x : z; });
  if (any_requires_grad({&a, &b}))
    record("MaximumBackward0", {a, b}, y, [sa = SavedTensor(a), sb = SavedTensor(b)](const Tensor& g, const Node&) -> Grads {
      Tensor share = zip(sa.get(), sb.get(), [](auto x, auto z) { return x > z ? 1.0 : x == z ? 0.5 : 0.0; });
      return {mul(g, share), sub(g, mul(g, share))};
    });
  return y;
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  const DType d = result_type(a, b);
  Tensor y = arith("minimum", a, b, d, [](auto x, auto z) { return (x <= z || x != x) ? x : z; });
  if (any_requires_grad({&a, &b}))
    record("MinimumBackward0", {a, b}, y, [sa = SavedTensor(a), sb = SavedTensor(b)](const Tensor& g, const Node&) -> Grads {
      Tensor share = zip(sa.get(), sb.get(), [](auto x, auto z) { return x < z ? 1.0 : x == z ? 0.5 : 0.0; });
      return {mul(g, share), sub(g, mul(g, share))};
    });
  return y;
}

}  // namespace minidl
