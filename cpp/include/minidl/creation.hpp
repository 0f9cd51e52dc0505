// Tensor creation and the global random generator.
#pragma once
#include <cstdint>

#include "minidl/tensor.hpp"

namespace minidl {

Tensor zeros(const Shape& shape, DType dtype = kDefaultFloat);
Tensor ones(const Shape& shape, DType dtype = kDefaultFloat);
Tensor full(const Shape& shape, double value, DType dtype = kDefaultFloat);
Tensor arange(double start, double end, double step, DType dtype);
Tensor linspace(double start, double end, int64_t steps, DType dtype = kDefaultFloat);
Tensor eye(int64_t n, int64_t m, DType dtype = kDefaultFloat);

// Random: one global generator, seeded by manual_seed (a 64-bit Mersenne twister).
void manual_seed(uint64_t seed);
uint64_t initial_seed();
Tensor rand(const Shape& shape, DType dtype = kDefaultFloat);   // U[0, 1)
Tensor randn(const Shape& shape, DType dtype = kDefaultFloat);  // N(0, 1)
Tensor randint(int64_t low, int64_t high, const Shape& shape, DType dtype = DType::Int64);
Tensor randperm(int64_t n);
// In place, for initialisers: U[low, high) and N(mean, std).
Tensor& uniform_(Tensor& x, double low, double high);
Tensor& normal_(Tensor& x, double mean, double std);
// For dropout (minidl::nn): x[i] = value with probability p_keep, else 0. x contiguous, floating.
Tensor& bernoulli_scaled_(Tensor& x, double p_keep, double value);

}  // namespace minidl
