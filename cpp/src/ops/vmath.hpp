// Internal: vectorised math over contiguous float arrays, through xtensor + xsimd.
//
// glibc's scalar expf/tanhf cost 5-30 ns per element on this machine; xtensor's
// expressions, compiled with XTENSOR_USE_XSIMD, evaluate 8 floats per instruction.
// Each op is a small struct with `eval(expression)`; `vmap` adapts chunks of the input
// and output buffers as 1-D xtensor views (no copy) and assigns the expression, one
// chunk per OpenMP thread.
#pragma once
#include <array>

#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>

#include "minidl/parallel.hpp"

namespace minidl::vmath {

template <class Op, class T>
void vmap(const T* in, T* out, int64_t n) {
  parallel_for(n, kParallelGrain / 4, [&](int64_t b, int64_t e) {
    const std::array<size_t, 1> shape{static_cast<size_t>(e - b)};
    auto x = xt::adapt(in + b, static_cast<size_t>(e - b), xt::no_ownership(), shape);
    auto y = xt::adapt(out + b, static_cast<size_t>(e - b), xt::no_ownership(), shape);
    xt::noalias(y) = Op::eval(x);
  });
}

struct Exp { template <class E> static auto eval(const E& x) { return xt::exp(x); } };
struct Log { template <class E> static auto eval(const E& x) { return xt::log(x); } };
struct Sqrt { template <class E> static auto eval(const E& x) { return xt::sqrt(x); } };
struct Sin { template <class E> static auto eval(const E& x) { return xt::sin(x); } };
struct Cos { template <class E> static auto eval(const E& x) { return xt::cos(x); } };
struct Tanh { template <class E> static auto eval(const E& x) { return xt::tanh(x); } };
// 1 / (1 + e^-x): for x -> -inf, e^-x -> inf and the quotient -> 0 (no nan), so the
// vector form is stable without the two-branch trick the scalar form needs.
struct Sigmoid {
  template <class E> static auto eval(const E& x) {
    using T = typename E::value_type;
    return T(1) / (T(1) + xt::exp(-x));
  }
};

}  // namespace minidl::vmath
