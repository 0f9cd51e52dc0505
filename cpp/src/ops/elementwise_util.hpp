// Internal: what binary and unary ops share: result dtypes, casting inputs, and
// same-dtype "zip" kernels that backward formulas use to stay one pass over memory.
#pragma once
#include <type_traits>

#include "loops.hpp"
#include "minidl/autograd/node.hpp"
#include "minidl/ops/elementwise.hpp"

namespace minidl::detail {

// Input `x` as dtype `d` (x itself when it already is).
inline Tensor as_dtype(const Tensor& x, DType d) { return x.dtype() == d ? x : to_dtype(x, d); }

// The dtype a math function (exp, log, ...) computes in: integers and bools go to float32.
inline DType float_result(DType d) { return is_floating(d) ? d : kDefaultFloat; }

// out = f(a, b) elementwise with broadcasting, a and b already of dtype T, out of dtype O.
template <class O, class T, class F>
Tensor map2(const Tensor& a, const Tensor& b, const F& f, int64_t work = 1) {
  Tensor out = Tensor::empty(broadcast_shapes(a.shape(), b.shape()), dtype_of<O>::value);
  loops::binary<O, T, T>(out, a, b, f, work);
  return out;
}

// out = f(x) elementwise, out of dtype O.
template <class O, class T, class F>
Tensor map1(const Tensor& x, const F& f, int64_t work = 1) {
  Tensor out = Tensor::empty(x.shape(), dtype_of<O>::value);
  loops::unary<O, T>(out, x, f, work);
  return out;
}

// Integer + - * and negation that wrap around on overflow, as NumPy and PyTorch do, instead of
// being undefined behaviour: computed in the unsigned type. Other types are left as they are.
template <class T>
constexpr bool wraps_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;
template <class T>
using wrap_t = std::conditional_t<wraps_v<T>, std::make_unsigned_t<std::conditional_t<wraps_v<T>, T, int>>, T>;

template <class T> T wrapping_add(T x, T y) { return static_cast<T>(static_cast<wrap_t<T>>(x) + static_cast<wrap_t<T>>(y)); }
template <class T> T wrapping_sub(T x, T y) { return static_cast<T>(static_cast<wrap_t<T>>(x) - static_cast<wrap_t<T>>(y)); }
template <class T> T wrapping_mul(T x, T y) { return static_cast<T>(static_cast<wrap_t<T>>(x) * static_cast<wrap_t<T>>(y)); }
template <class T> T wrapping_neg(T x) { return wrapping_sub(T(0), x); }

// What every in-place op checks before it writes a byte (inplace.cpp): no write through
// expand()ed dims; when the op records history, not a leaf that requires grad, not a view.
void check_writable(const Tensor& self, const char* op, bool records);

// A same-dtype floating kernel for backward formulas: zip(g, y, [](auto g, auto y) {...}).
template <class F>
Tensor zip(const Tensor& a, const Tensor& b, const F& f) {
  const DType d = promote(a.dtype(), b.dtype());
  return dispatch_floating(d, "backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    return map2<T, T>(as_dtype(a, d), as_dtype(b, d), [&](T x, T y) { return static_cast<T>(f(x, y)); });
  });
}

}  // namespace minidl::detail
