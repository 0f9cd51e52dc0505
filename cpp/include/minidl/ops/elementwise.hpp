// Elementwise ops with NumPy broadcasting. Each op's kernel and gradient formula sit
// side by side in src/ops/elementwise.cpp.
#pragma once
#include <optional>

#include "minidl/tensor.hpp"

namespace minidl {

// A Python number as a 0-d tensor, typed the way PyTorch treats "wrapped numbers":
// it never raises `like`'s dtype within a category (float32 tensor + 2.5 stays float32),
// but lifts the category (int64 tensor + 2.5 is float32, bool tensor + 2 is int64).
Tensor scalar_like(double value, bool is_floating_value, bool is_bool_value, const Tensor& like);
Tensor scalar_tensor(double value, DType dtype);

// dtype of a binary op's result (PyTorch's rules; 0-d tensors rank below dimensioned ones).
DType result_type(const Tensor& a, const Tensor& b);

// ---- binary ----
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);   // true division: integer inputs give float32
Tensor pow(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);

// ---- unary ----
Tensor neg(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor to_dtype(const Tensor& x, DType dtype);  // a copy in another dtype (gradient flows between floats)
Tensor clone(const Tensor& x);                  // a contiguous copy (gradient: identity)

// ---- comparisons and logic (bool results, no gradient) ----
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor logical_not(const Tensor& x);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor logical_xor(const Tensor& a, const Tensor& b);

// ---- in place (bump the version counter; refused on leaves that require grad) ----
Tensor& add_(Tensor& self, const Tensor& other, double alpha = 1.0);  // self += alpha * other
Tensor& sub_(Tensor& self, const Tensor& other, double alpha = 1.0);
Tensor& mul_(Tensor& self, const Tensor& other);
Tensor& div_(Tensor& self, const Tensor& other);
Tensor& zero_(Tensor& self);
Tensor& fill_(Tensor& self, double value);
Tensor& copy_(Tensor& self, const Tensor& src);  // src broadcast to self's shape, cast to its dtype

// Operators for C++ users.
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& a) { return neg(a); }
inline Tensor operator+(const Tensor& a, double s) { return add(a, scalar_like(s, true, false, a)); }
inline Tensor operator-(const Tensor& a, double s) { return sub(a, scalar_like(s, true, false, a)); }
inline Tensor operator*(const Tensor& a, double s) { return mul(a, scalar_like(s, true, false, a)); }
inline Tensor operator/(const Tensor& a, double s) { return div(a, scalar_like(s, true, false, a)); }
inline Tensor operator*(double s, const Tensor& a) { return mul(scalar_like(s, true, false, a), a); }

}  // namespace minidl
