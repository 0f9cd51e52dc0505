// Element types and the promotion rules of mixed-dtype arithmetic (PyTorch's).
#pragma once
#include <cstdint>
#include <string>

#include "minidl/error.hpp"

namespace minidl {

enum class DType : uint8_t { Bool = 0, Int64 = 1, Float32 = 2, Float64 = 3 };

constexpr DType kDefaultFloat = DType::Float32;

inline size_t itemsize(DType d) {
  switch (d) {
    case DType::Bool: return 1;
    case DType::Int64: return 8;
    case DType::Float32: return 4;
    case DType::Float64: return 8;
  }
  return 0;
}

inline const char* dtype_name(DType d) {
  switch (d) {
    case DType::Bool: return "bool";
    case DType::Int64: return "int64";
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
  }
  return "?";
}

inline bool is_floating(DType d) { return d == DType::Float32 || d == DType::Float64; }

// Category: bool < integer < floating. Promotion never lowers the category.
inline int category(DType d) { return d == DType::Bool ? 0 : d == DType::Int64 ? 1 : 2; }

// Promotion of two tensors that both have dimensions: the larger type wins
// (float32 with float64 gives float64, as in NumPy and PyTorch).
inline DType promote(DType a, DType b) { return static_cast<uint8_t>(a) >= static_cast<uint8_t>(b) ? a : b; }

// Compile-time mapping between DType and C++ element types.
template <DType D> struct cpp_type;
template <> struct cpp_type<DType::Bool> { using type = bool; };
template <> struct cpp_type<DType::Int64> { using type = int64_t; };
template <> struct cpp_type<DType::Float32> { using type = float; };
template <> struct cpp_type<DType::Float64> { using type = double; };

template <class T> struct dtype_of;
template <> struct dtype_of<bool> { static constexpr DType value = DType::Bool; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::Int64; };
template <> struct dtype_of<float> { static constexpr DType value = DType::Float32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::Float64; };

template <class T> struct type_tag { using type = T; };

// dispatch(dtype, [&](auto tag) { using T = typename decltype(tag)::type; ... })
// instantiates the lambda once per element type and calls the one that matches.
template <class F>
decltype(auto) dispatch(DType d, F&& f) {
  switch (d) {
    case DType::Bool: return f(type_tag<bool>{});
    case DType::Int64: return f(type_tag<int64_t>{});
    case DType::Float32: return f(type_tag<float>{});
    case DType::Float64: return f(type_tag<double>{});
  }
  throw TypeError("unknown dtype");
}

// Only the floating types: an op that has no meaning on integers calls this.
template <class F>
decltype(auto) dispatch_floating(DType d, const char* op, F&& f) {
  switch (d) {
    case DType::Float32: return f(type_tag<float>{});
    case DType::Float64: return f(type_tag<double>{});
    default: throw TypeError(str(op, ": expected a floating-point tensor (float32 or float64), got ", dtype_name(d)));
  }
}

// Numbers: everything but bool.
template <class F>
decltype(auto) dispatch_numeric(DType d, const char* op, F&& f) {
  switch (d) {
    case DType::Int64: return f(type_tag<int64_t>{});
    case DType::Float32: return f(type_tag<float>{});
    case DType::Float64: return f(type_tag<double>{});
    default: throw TypeError(str(op, ": not defined for ", dtype_name(d), " tensors"));
  }
}

}  // namespace minidl
