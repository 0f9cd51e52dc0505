// Internal: what binary and unary ops share: result dtypes, casting inputs, and
// same-dtype "zip" kernels that backward formulas use to stay one pass over memory.
#pragma once
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
