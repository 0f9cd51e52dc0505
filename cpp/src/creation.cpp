// Creation functions and the global random generator.
#include "minidl/creation.hpp"

#include <cmath>
#include <mutex>
#include <random>

#include "minidl/error.hpp"
#include "minidl/ops/elementwise.hpp"

namespace minidl {

Tensor zeros(const Shape& shape, DType dtype) { return full(shape, 0.0, dtype); }
Tensor ones(const Shape& shape, DType dtype) { return full(shape, 1.0, dtype); }

Tensor full(const Shape& shape, double value, DType dtype) {
  Tensor t = Tensor::empty(shape, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = static_cast<T>(value);
    T* p = t.data<T>();
    std::fill(p, p + t.numel(), v);
  });
  return t;
}

Tensor arange(double start, double end, double step, DType dtype) {
  MINIDL_CHECK(step != 0, ValueError, "arange: step must be nonzero");
  MINIDL_CHECK(std::isfinite(start) && std::isfinite(end), ValueError, "arange: start and end must be finite, got ",
               start, " and ", end);
  MINIDL_CHECK((end - start) / step >= 0 || start == end, ValueError, "arange: upper bound ", end,
               " and lower bound ", start, " inconsistent with step sign ", step);
  const double count = std::ceil((end - start) / step);
  // Converting a count beyond int64 is undefined (it came out as 0 elements).
  MINIDL_CHECK(count < 9.2e18, ValueError, "arange: (", start, ", ", end, ", ", step, ") has too many elements (",
               count, ")");
  const int64_t n = static_cast<int64_t>(count);
  Tensor t = Tensor::empty({std::max<int64_t>(n, 0)}, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t.data<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(start + i * step);
  });
  return t;
}

Tensor linspace(double start, double end, int64_t steps, DType dtype) {
  MINIDL_CHECK(steps >= 0, ValueError, "linspace: number of steps must be non-negative, got ", steps);
  Tensor t = Tensor::empty({steps}, dtype);
  const double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  dispatch(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t.data<T>();
    // Fill symmetrically from both ends, as PyTorch does, so the last value is exactly `end`
    // (a single step is `start`, as in NumPy and PyTorch).
    const int64_t half = steps == 1 ? 1 : steps / 2;
    for (int64_t i = 0; i < steps; ++i)
      p[i] = static_cast<T>(i < half ? start + step * i : end - step * (steps - 1 - i));
  });
  return t;
}

Tensor eye(int64_t n, int64_t m, DType dtype) {
  MINIDL_CHECK(n >= 0 && m >= 0, ValueError, "eye: sizes must be non-negative, got n=", n, ", m=", m);
  Tensor t = zeros({n, m}, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t.data<T>();
    for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = T(1);
  });
  return t;
}

// ---- random ----

namespace {
struct Generator {
  std::mutex mu;
  uint64_t seed = 5489u;
  std::mt19937_64 engine{5489u};
};
Generator& gen() {
  static Generator g;
  return g;
}

// Fill a contiguous tensor from `draw(engine)`; the generator is locked so two threads
// never interleave draws (results stay repeatable given the order of calls).
template <class Draw>
void fill_random(Tensor& t, const Draw& draw) {
  MINIDL_CHECK(t.is_contiguous(), ValueError, "random fill needs a contiguous tensor");
  auto& g = gen();
  std::lock_guard<std::mutex> lock(g.mu);
  dispatch(t.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t.data<T>();
    for (int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = static_cast<T>(draw(g.engine));
  });
  t.storage()->bump_version();
}

// 53 random bits -> a double in [0, 1).
double uniform01(std::mt19937_64& e) { return static_cast<double>(e() >> 11) * (1.0 / 9007199254740992.0); }

double standard_normal(std::mt19937_64& e) {
  // Box-Muller; 1 - u keeps the log argument in (0, 1].
  const double u1 = 1.0 - uniform01(e), u2 = uniform01(e);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}
}  // namespace

void manual_seed(uint64_t seed) {
  auto& g = gen();
  std::lock_guard<std::mutex> lock(g.mu);
  g.seed = seed;
  g.engine.seed(seed);
}

uint64_t initial_seed() {
  auto& g = gen();
  std::lock_guard<std::mutex> lock(g.mu);  // manual_seed may be writing it in another thread
  return g.seed;
}

Tensor rand(const Shape& shape, DType dtype) {
  MINIDL_CHECK(is_floating(dtype), TypeError, "rand: expected a floating dtype, got ", dtype_name(dtype));
  Tensor t = Tensor::empty(shape, dtype);
  fill_random(t, [](std::mt19937_64& e) {
    const double u = uniform01(e);
    return u;
  });
  // float32 rounding can turn 0.99999999 into 1.0f; keep the interval half-open.
  if (dtype == DType::Float32) {
    float* p = t.data<float>();
    for (int64_t i = 0, n = t.numel(); i < n; ++i)
      if (p[i] >= 1.0f) p[i] = std::nextafter(1.0f, 0.0f);
  }
  return t;
}

Tensor randn(const Shape& shape, DType dtype) {
  MINIDL_CHECK(is_floating(dtype), TypeError, "randn: expected a floating dtype, got ", dtype_name(dtype));
  Tensor t = Tensor::empty(shape, dtype);
  fill_random(t, standard_normal);
  return t;
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, DType dtype) {
  MINIDL_CHECK(low < high, ValueError, "randint: expected low < high, got low=", low, ", high=", high);
  Tensor t = Tensor::empty(shape, dtype);
  const uint64_t range = static_cast<uint64_t>(high - low);
  fill_random(t, [&](std::mt19937_64& e) {
    std::uniform_int_distribution<uint64_t> d(0, range - 1);
    return static_cast<double>(low + static_cast<int64_t>(d(e)));
  });
  return t;
}

Tensor randperm(int64_t n) {
  MINIDL_CHECK(n >= 0, ValueError, "randperm: n must be non-negative, got ", n);
  Tensor t = arange(0, static_cast<double>(n), 1, DType::Int64);
  int64_t* p = t.data<int64_t>();
  auto& g = gen();
  std::lock_guard<std::mutex> lock(g.mu);
  for (int64_t i = n - 1; i > 0; --i) {  // Fisher-Yates
    std::uniform_int_distribution<int64_t> d(0, i);
    std::swap(p[i], p[d(g.engine)]);
  }
  return t;
}

Tensor& uniform_(Tensor& x, double low, double high) {
  MINIDL_CHECK(is_floating(x.dtype()), TypeError, "uniform_: expected a floating tensor, got ", dtype_name(x.dtype()));
  MINIDL_CHECK(low <= high, ValueError, "uniform_: expected low <= high, got low=", low, ", high=", high);
  Tensor r = rand(x.shape(), x.dtype());
  Tensor scaled = add(mul(r, scalar_tensor(high - low, x.dtype())), scalar_tensor(low, x.dtype()));
  return copy_(x, scaled);
}

Tensor& normal_(Tensor& x, double mean, double std) {
  MINIDL_CHECK(is_floating(x.dtype()), TypeError, "normal_: expected a floating tensor, got ", dtype_name(x.dtype()));
  MINIDL_CHECK(std >= 0, ValueError, "normal_: expected std >= 0, got ", std);
  Tensor r = randn(x.shape(), x.dtype());
  Tensor scaled = add(mul(r, scalar_tensor(std, x.dtype())), scalar_tensor(mean, x.dtype()));
  return copy_(x, scaled);
}

// Added for dropout's masks, the one random draw in every training step: each 64-bit draw
// of the generator gives two 32-bit uniforms u (half the generator work of rand(), and no
// float conversion), and an element is kept when u < p_keep * 2^32, so P(kept) = p_keep up
// to 2^-32.
Tensor& bernoulli_scaled_(Tensor& x, double p_keep, double value) {
  MINIDL_CHECK(is_floating(x.dtype()), TypeError, "bernoulli_scaled_: expected a floating tensor, got ",
               dtype_name(x.dtype()));
  MINIDL_CHECK(x.is_contiguous(), ValueError, "bernoulli_scaled_: needs a contiguous tensor");
  MINIDL_CHECK(p_keep >= 0 && p_keep <= 1, ValueError, "bernoulli_scaled_: p_keep must be in [0, 1], got ", p_keep);
  const uint64_t threshold = static_cast<uint64_t>(std::ldexp(p_keep, 32));
  auto& g = gen();
  std::lock_guard<std::mutex> lock(g.mu);
  dispatch_floating(x.dtype(), "bernoulli_scaled_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = x.data<T>();
    const T v = static_cast<T>(value);
    const int64_t n = x.numel();
    int64_t i = 0;
    // Draws first, mask second, 256 elements at a time: interleaving the generator with the
    // comparisons and stores ran at ~9 ns a draw, the two loops apart at ~1.4 (the second one
    // vectorises). The same draws go to the same elements as one at a time.
    constexpr int64_t kBlock = 256;
    uint64_t draws[kBlock / 2];
    for (; i + kBlock <= n; i += kBlock) {
      for (auto& d : draws) d = g.engine();
      for (int64_t j = 0; j < kBlock / 2; ++j) {
        p[i + 2 * j] = v * static_cast<T>((draws[j] & 0xffffffffu) < threshold);
        p[i + 2 * j + 1] = v * static_cast<T>((draws[j] >> 32) < threshold);
      }
    }
    for (; i + 2 <= n; i += 2) {
      const uint64_t r = g.engine();
      p[i] = v * static_cast<T>((r & 0xffffffffu) < threshold);
      p[i + 1] = v * static_cast<T>((r >> 32) < threshold);
    }
    if (i < n) p[i] = (g.engine() & 0xffffffffu) < threshold ? v : T(0);
  });
  x.storage()->bump_version();
  return x;
}

}  // namespace minidl
