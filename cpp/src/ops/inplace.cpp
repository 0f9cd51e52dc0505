// In-place ops (add_, mul_, fill_, copy_ ...) for optimizers and initialisers.
//
// Each bumps the storage's version counter, so a backward formula that saved this
// tensor notices it changed and refuses (see SavedTensor::get). Under grad mode an
// in-place op on a non-leaf becomes part of its history, as in PyTorch; on a leaf
// that requires grad it is refused (wrap optimizer updates in no_grad()).
#include "elementwise_util.hpp"
#include "memory_overlap.hpp"
#include "minidl/grad_mode.hpp"

namespace minidl {

using detail::as_dtype;
using detail::check_writable;
using detail::may_overlap;

bool detail::has_broadcast_dim(const Tensor& t) {
  // (an empty tensor has no elements to overlap, whatever its strides: NumPy gives some 0)
  if (t.numel() == 0) return false;
  for (size_t d = 0; d < t.shape().size(); ++d)
    if (t.strides()[d] == 0 && t.shape()[d] > 1) return true;
  return false;
}

bool detail::may_overlap(const Tensor& a, const Tensor& b) {
  if (a.numel() == 0 || b.numel() == 0) return false;
  auto extent = [](const Tensor& t) {  // [first, last) byte addresses of t's elements
    int64_t lo = 0, hi = 0;
    for (size_t d = 0; d < t.shape().size(); ++d) {
      const int64_t span = (t.shape()[d] - 1) * t.strides()[d];
      (span < 0 ? lo : hi) += span;
    }
    const auto* base = static_cast<const char*>(t.raw_data());
    const auto item = static_cast<int64_t>(itemsize(t.dtype()));
    return std::make_pair(base + lo * item, base + (hi + 1) * item);
  };
  const auto [a0, a1] = extent(a);
  const auto [b0, b1] = extent(b);
  return a0 < b1 && b0 < a1;
}

bool detail::same_layout(const Tensor& a, const Tensor& b) {
  return a.raw_data() == b.raw_data() && a.dtype() == b.dtype() && a.shape() == b.shape() && a.strides() == b.strides();
}

Tensor detail::readable_source(const Tensor& src, const Tensor& dst) {
  if (!may_overlap(src, dst) || same_layout(src, dst)) return src;
  NoGradGuard no_grad;
  return clone(src);
}

void detail::check_writable(const Tensor& self, const char* op, bool records) {
  MINIDL_CHECK(!has_broadcast_dim(self), Error, op,
               ": unsupported operation: more than one element of the written-to tensor refers to a single "
               "memory location (it was made by expand()); clone() it first");
  if (!records) return;
  MINIDL_CHECK(!(self.is_leaf() && self.impl()->requires_grad), Error, op,
               ": a leaf Variable that requires grad is being used in an in-place operation. Wrap updates "
               "of parameters in `with minidl.no_grad():`");
  MINIDL_CHECK(!self.impl()->is_view, Error, op,
               ": an in-place operation on a view (made by slicing, view, transpose, ...) cannot record "
               "gradient history in minidl: the tensor it views would not see it. Use an out-of-place op, "
               "or clone() the view first");
}

namespace {

Tensor prepare_other(const Tensor& self, const Tensor& other, const char* op) {
  const Shape b = broadcast_shapes(self.shape(), other.shape());
  MINIDL_CHECK(b == self.shape(), ValueError, op, ": output with shape ", shape_str(self.shape()),
               " doesn't match the broadcast shape ", shape_str(b));
  const DType r = result_type(self, other);
  MINIDL_CHECK(category(r) <= category(self.dtype()), TypeError, op, ": result type ", dtype_name(r),
               " can't be cast to the desired output type ", dtype_name(self.dtype()));
  return detail::readable_source(as_dtype(other, self.dtype()), self);
}

template <class F>
void write(Tensor& self, const Tensor& other, const F& f) {
  dispatch(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    // f by value: the loop copies it to a local, so its state (alpha) stays in a register
    loops::binary<T, T, T>(self, self, other, [f](T x, T y) { return static_cast<T>(f(x, y)); });
  });
  self.storage()->bump_version();
}

}  // namespace

// self += alpha * other          d self_old = g,  d other = alpha g
Tensor& add_(Tensor& self, const Tensor& other, double alpha) {
  const bool rec = any_requires_grad({&self, &other});
  check_writable(self, "add_", rec);
  const Tensor o = prepare_other(self, other, "add_");
  if (self.dtype() == DType::Bool) write(self, o, [](bool x, bool y) { return x || y; });
  else if (alpha == 1.0) write(self, o, [](auto x, auto y) { return detail::wrapping_add(x, y); });
  else write(self, o, [alpha](auto x, auto y) {
    return detail::wrapping_add(x, detail::wrapping_mul(static_cast<decltype(x)>(alpha), y));
  });
  if (rec)
    record("AddBackward0", {self, other}, self, [alpha](const Tensor& g, const Node&) -> Grads {
      return {g, alpha == 1.0 ? g : mul(g, scalar_tensor(alpha, g.dtype()))};
    });
  return self;
}

Tensor& sub_(Tensor& self, const Tensor& other, double alpha) {
  MINIDL_CHECK(self.dtype() != DType::Bool, Error,
               "sub_: subtraction, the `-` operator, with bool tensors is not supported");
  return add_(self, other, -alpha);
}

namespace {
// What mul_/div_ backward needs from `other`, as it is before the write: `other` itself
// (its version counter then catches later changes), or a private copy when it shares
// self's memory, since the write itself changes it (x.mul_(x)).
Tensor other_for_backward(const Tensor& self, const Tensor& other, const Tensor& prepared) {
  if (!may_overlap(other, self)) return other;
  NoGradGuard no_grad;
  return clone(prepared);
}
}  // namespace

// self *= other                  d self_old = g * other,  d other = g * self_old
Tensor& mul_(Tensor& self, const Tensor& other) {
  const bool rec = any_requires_grad({&self, &other});
  check_writable(self, "mul_", rec);
  const Tensor o = prepare_other(self, other, "mul_");
  Tensor saved_other, old;
  if (rec) {
    saved_other = other_for_backward(self, other, o);
    NoGradGuard no_grad;
    if (other.requires_grad()) old = clone(self);
  }
  if (self.dtype() == DType::Bool) write(self, o, [](bool x, bool y) { return x && y; });
  else write(self, o, [](auto x, auto y) { return detail::wrapping_mul(x, y); });
  if (rec)
    record("MulBackward0", {self, other}, self, [so = SavedTensor(saved_other), old](const Tensor& g, const Node& n) -> Grads {
      return {n.needs_input_grad(0) ? mul(g, so.get()) : Tensor(), n.needs_input_grad(1) ? mul(g, old) : Tensor()};
    });
  return self;
}

// self /= other                  d self_old = g / other,  d other = -g * self_old / other^2
Tensor& div_(Tensor& self, const Tensor& other) {
  MINIDL_CHECK(is_floating(self.dtype()), TypeError, "div_: true division needs a floating tensor, got ",
               dtype_name(self.dtype()));
  const bool rec = any_requires_grad({&self, &other});
  check_writable(self, "div_", rec);
  const Tensor o = prepare_other(self, other, "div_");
  Tensor saved_other, old;
  if (rec) {
    saved_other = other_for_backward(self, other, o);
    NoGradGuard no_grad;
    if (other.requires_grad()) old = clone(self);
  }
  write(self, o, [](auto x, auto y) { return x / y; });
  if (rec)
    record("DivBackward0", {self, other}, self, [so = SavedTensor(saved_other), old](const Tensor& g, const Node& n) -> Grads {
      Tensor b = so.get();
      return {n.needs_input_grad(0) ? div(g, b) : Tensor(),
              n.needs_input_grad(1) ? neg(div(mul(g, old), mul(b, b))) : Tensor()};
    });
  return self;
}

// self[...] = value              the old history gets no gradient
Tensor& fill_(Tensor& self, double value) {
  const bool rec = any_requires_grad({&self});
  check_writable(self, "fill_", rec);
  write(self, scalar_tensor(value, self.dtype()), [](auto, auto y) { return y; });
  if (rec) record("FillBackward0", {}, self, [](const Tensor&, const Node&) -> Grads { return {}; });
  return self;
}

Tensor& zero_(Tensor& self) { return fill_(self, 0.0); }

// self[...] = src (broadcast, cast)   d src = g
Tensor& copy_(Tensor& self, const Tensor& src) {
  // Into an integer or bool tensor the value is cast, which has no gradient.
  const bool rec = is_floating(self.dtype()) && any_requires_grad({&self, &src});
  check_writable(self, "copy_", rec);
  const Shape b = broadcast_shapes(self.shape(), src.shape());
  MINIDL_CHECK(b == self.shape(), ValueError, "copy_: source of shape ", shape_str(src.shape()),
               " cannot be broadcast to the destination's shape ", shape_str(self.shape()));
  const Tensor s = detail::readable_source(as_dtype(src, self.dtype()), self);  // cast freely, as PyTorch
  write(self, s, [](auto, auto y) { return y; });
  if (rec)
    record("CopyBackwards", {src}, self, [](const Tensor& g, const Node&) -> Grads { return {g}; });
  return self;
}

}  // namespace minidl
