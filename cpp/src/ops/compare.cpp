// Comparisons and logic (bool results, no gradient) and where().
#include "elementwise_util.hpp"

namespace minidl {

using detail::as_dtype;
using detail::map2;

namespace {

template <class F>
Tensor compare(const Tensor& a, const Tensor& b, const F& f) {
  const DType d = result_type(a, b);
  return dispatch(d, [&](auto tag) {
    using T = typename decltype(tag)::type;
    return map2<bool, T>(as_dtype(a, d), as_dtype(b, d), [&](T x, T y) { return f(x, y); });
  });
}

}  // namespace

Tensor eq(const Tensor& a, const Tensor& b) { return compare(a, b, [](auto x, auto y) { return x == y; }); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare(a, b, [](auto x, auto y) { return x != y; }); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare(a, b, [](auto x, auto y) { return x < y; }); }
Tensor le(const Tensor& a, const Tensor& b) { return compare(a, b, [](auto x, auto y) { return x <= y; }); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare(a, b, [](auto x, auto y) { return x > y; }); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare(a, b, [](auto x, auto y) { return x >= y; }); }

Tensor logical_not(const Tensor& x) {
  return dispatch(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return detail::map1<bool, T>(x, [](T v) { return v == T(0); });
  });
}
Tensor logical_and(const Tensor& a, const Tensor& b) {
  return map2<bool, bool>(as_dtype(a, DType::Bool), as_dtype(b, DType::Bool), [](bool x, bool y) { return x && y; });
}
Tensor logical_or(const Tensor& a, const Tensor& b) {
  return map2<bool, bool>(as_dtype(a, DType::Bool), as_dtype(b, DType::Bool), [](bool x, bool y) { return x || y; });
}
Tensor logical_xor(const Tensor& a, const Tensor& b) {
  return map2<bool, bool>(as_dtype(a, DType::Bool), as_dtype(b, DType::Bool), [](bool x, bool y) { return x != y; });
}

// y = cond ? a : b          da = cond ? g : 0,   db = cond ? 0 : g
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  MINIDL_CHECK(cond.dtype() == DType::Bool, TypeError, "where: condition must be a bool tensor, got ",
               dtype_name(cond.dtype()));
  const DType d = result_type(a, b);
  const Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape()), b.shape());
  Tensor y = Tensor::empty(shape, d);
  const Tensor ad = as_dtype(a, d), bd = as_dtype(b, d);
  dispatch(d, [&](auto tag) {
    using T = typename decltype(tag)::type;
    loops::ternary<T, bool, T, T>(y, cond, ad, bd, [](bool c, T x, T z) { return c ? x : z; });
  });
  if (any_requires_grad({&a, &b}))
    record("WhereBackward0", {a, b}, y, [sc = SavedTensor(cond)](const Tensor& g, const Node& n) -> Grads {
      Tensor c = sc.get();
      Tensor zero = scalar_tensor(0, g.dtype());
      return {n.needs_input_grad(0) ? where(c, g, zero) : Tensor(), n.needs_input_grad(1) ? where(c, zero, g) : Tensor()};
    });
  return y;
}

}  // namespace minidl
