// Reductions: sum, mean, var, std, max, min, argmax, argmin, any, all, and sum_to.
// The loops live in reduce_loops.hpp; softmax, log_softmax and logsumexp in softmax.cpp.
#include "minidl/ops/reduce.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "elementwise_util.hpp"
#include "minidl/creation.hpp"
#include "minidl/ops/shape_ops.hpp"
#include "reduce_loops.hpp"

namespace minidl {

using detail::as_dtype;

namespace {

// Which dims a reduction covers (empty `dims` = all), validated.
std::vector<bool> reduced_mask(const Tensor& x, const Dims& dims) {
  std::vector<bool> mask(x.dim(), dims.empty());
  for (int64_t d : dims) {
    const int64_t w = wrap_dim(d, x.dim());
    if (x.dim() == 0) continue;
    MINIDL_CHECK(!mask[w], ValueError, "dim ", d, " appears multiple times in the list of dims");
    mask[w] = true;
  }
  return mask;
}

Shape reduced_shape(const Tensor& x, const std::vector<bool>& mask, bool keepdim) {
  Shape s;
  for (int64_t i = 0; i < x.dim(); ++i) {
    if (!mask[i]) s.push_back(x.shape()[i]);
    else if (keepdim) s.push_back(1);
  }
  return s;
}

// x's shape with the reduced dims kept as size 1: a gradient reshaped to it broadcasts back.
Shape keepdim_shape(const Shape& in_shape, const std::vector<bool>& mask) {
  Shape kd;
  for (size_t i = 0; i < in_shape.size(); ++i) kd.push_back(mask[i] ? 1 : in_shape[i]);
  return kd;
}

// How many elements each output reduces.
int64_t reduced_count(const Tensor& x, const std::vector<bool>& mask) {
  int64_t n = 1;
  for (int64_t i = 0; i < x.dim(); ++i)
    if (mask[i]) n *= x.shape()[i];
  return n;
}

// PyTorch's names for dtypes, for messages that copy PyTorch's.
const char* torch_dtype_name(DType d) {
  switch (d) {
    case DType::Bool: return "Bool";
    case DType::Int64: return "Long";
    case DType::Float32: return "Float";
    case DType::Float64: return "Double";
  }
  return "?";
}

// The accumulator type: double for floats (accuracy), int64 for integers and bools.
template <class T> using acc_t = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

template <class T>
struct SumOp {
  static constexpr bool kPlainSum = true;
  using A = acc_t<T>;
  A init() const { return A(0); }
  A map(T v, int64_t) const { return static_cast<A>(v); }
  A combine(A a, A b) const { return a + b; }
};

// Sum of squared deviations from a per-output mean (var's second pass).
template <class T>
struct SqDevOp {
  using A = double;
  const double* mean;
  A init() const { return 0; }
  A map(T v, int64_t o) const {
    const double d = static_cast<double>(v) - mean[o];
    return d * d;
  }
  A combine(A a, A b) const { return a + b; }
};

// max / min that propagate NaN (`b != b` is true only for NaN), as PyTorch does.
// (Bools are reduced as uint8 0/1: std::vector<bool> has no data().)
template <class T, bool Max>
struct ExtremeOp {
  using A = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;
  A init() const {
    if constexpr (std::is_same_v<T, bool>)
      return Max ? 0 : 1;
    else if constexpr (std::is_floating_point_v<T>)
      return Max ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
    else
      return Max ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
  }
  A map(T v, int64_t) const { return static_cast<A>(v); }
  A combine(A a, A b) const {
    if constexpr (Max) return (b > a || b != b) ? b : a;
    else return (b < a || b != b) ? b : a;
  }
};

template <class T>
struct CountEqOp {  // how many elements equal `value` (NaN counts as equal to NaN)
  using A = int64_t;
  T value;
  A init() const { return 0; }
  A map(T v, int64_t) const { return (v == value || (v != v && value != value)) ? 1 : 0; }
  A combine(A a, A b) const { return a + b; }
};

template <class T, bool Any>
struct LogicOp {
  using A = uint8_t;  // 0 / 1
  A init() const { return Any ? 0 : 1; }
  A map(T v, int64_t) const { return v != T(0); }
  A combine(A a, A b) const { return Any ? (a | b) : (a & b); }
};

// y[o] = f(acc[o]) for every output.
template <class O, class A, class F>
void write_out(const Tensor& y, const std::vector<A>& acc, const F& f) {
  O* py = y.data<O>();
  const A* pa = acc.data();
  parallel_for(static_cast<int64_t>(acc.size()), kParallelGrain, [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) py[o] = f(pa[o]);
  });
}

// Is v strictly better than best for max (min)? NaN beats everything and then stays:
// the first NaN along the dim is selected, like the first of equal values.
template <class T, bool Max>
inline bool better(T v, T best) {
  if constexpr (Max) return v > best || (v != v && best == best);
  else return v < best || (v != v && best == best);
}

// values and int64 indices of the max (min) along `d` of x (x.dim() >= 1), in keepdim shape.
template <bool Max>
std::pair<Tensor, Tensor> select_along(const Tensor& x, int64_t d) {
  Shape kd = x.shape();
  kd[d] = 1;
  Tensor vals = Tensor::empty(kd, x.dtype()), idx = Tensor::empty(kd, DType::Int64);
  dispatch(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* px = x.data<T>();
    T* pv = vals.data<T>();
    int64_t* pi = idx.data<int64_t>();
    std::array<Strides, 3> st{x.strides(), rloops::line_strides(vals, x.shape(), d),
                              rloops::line_strides(idx, x.shape(), d)};
    rloops::along_dim<3>(x.shape(), d, st, 1, [&](const std::array<int64_t, 3>& off, int64_t n,
                                                  const std::array<int64_t, 3>& si, int64_t R,
                                                  const std::array<int64_t, 3>& sr) {
      const T* xp = px + off[0];
      T* vp = pv + off[1];
      int64_t* ip = pi + off[2];
      if (si[0] == 1 && n > 1) {  // lines side by side in memory: walk them together, row by row
        T best[rloops::kMaxLines];
        int64_t bi[rloops::kMaxLines];
        for (int64_t j = 0; j < n; ++j) best[j] = xp[j], bi[j] = 0;
        for (int64_t r = 1; r < R; ++r) {
          const T* row = xp + r * sr[0];
          for (int64_t j = 0; j < n; ++j) {  // branch-free, so it vectorises
            const T v = row[j];
            const bool take = better<T, Max>(v, best[j]);
            best[j] = take ? v : best[j];
            bi[j] = take ? r : bi[j];
          }
        }
        for (int64_t j = 0; j < n; ++j) vp[j * si[1]] = best[j], ip[j * si[2]] = bi[j];
        return;
      }
      for (int64_t j = 0; j < n; ++j) {  // the extreme value (vectorised), then its first position
        const T* line = xp + j * si[0];
        const int64_t s = sr[0];
        const T b = static_cast<T>(rloops::reduce_row(line, R, s, ExtremeOp<T, Max>{}, 0));
        int64_t k = 0;
        if (b != b)
          while (line[k * s] == line[k * s]) ++k;
        else
          while (line[k * s] != b) ++k;
        vp[j * si[1]] = b;
        ip[j * si[2]] = k;
      }
    });
  });
  return {vals, idx};
}

// max/min over one dim: (values, indices)
// y = x[..., i*, ...]       dx = g at the selected index i*, 0 elsewhere
template <bool Max>
std::pair<Tensor, Tensor> extreme_dim(const Tensor& x, int64_t dim, bool keepdim) {
  const char* name = Max ? "max" : "min";
  const int64_t d = wrap_dim(dim, x.dim());
  if (x.dim() > 0)
    MINIDL_CHECK(x.shape()[d] > 0, IndexError, name, "(): Expected reduction dim ", d, " to have non-zero size.");
  const Tensor xx = x.dim() == 0 ? reshape(x.detach(), {1}) : x;
  auto [vals, idx] = select_along<Max>(xx, d);
  Shape out_shape = x.shape();
  if (x.dim() > 0) {
    if (keepdim) out_shape[d] = 1;
    else out_shape.erase(out_shape.begin() + d);
  }
  vals = reshape(vals, out_shape);
  idx = reshape(idx, out_shape);
  if (any_requires_grad({&x}))
    record(Max ? "MaxBackward0" : "MinBackward0", {x}, vals,
           [si = SavedTensor(idx), in_shape = x.shape(), d](const Tensor& g, const Node&) -> Grads {
             // scatter g into zeros at the selected indices
             const Shape shape = in_shape.empty() ? Shape{1} : in_shape;
             Shape kd = shape;
             kd[d] = 1;
             const Tensor gk = reshape(g, kd), ik = reshape(si.get(), kd);
             Tensor dx = zeros(shape, g.dtype());
             dispatch_floating(g.dtype(), "max backward", [&](auto tag) {
               using T = typename decltype(tag)::type;
               T* pd = dx.data<T>();
               const T* pg = gk.data<T>();
               const int64_t* pi = ik.data<int64_t>();
               std::array<Strides, 3> st{dx.strides(), rloops::line_strides(gk, shape, d),
                                         rloops::line_strides(ik, shape, d)};
               rloops::along_dim<3>(shape, d, st, 1, [&](const std::array<int64_t, 3>& off, int64_t n,
                                                        const std::array<int64_t, 3>& s, int64_t,
                                                        const std::array<int64_t, 3>& sr) {
                 for (int64_t j = 0; j < n; ++j)
                   pd[off[0] + j * s[0] + pi[off[2] + j * s[2]] * sr[0]] = pg[off[1] + j * s[1]];
               });
             });
             return {reshape(dx, in_shape)};
           });
  return {vals, idx};
}

// Max (min) of a contiguous floating array, NaN-propagating. The generic combine
// `(b > a || b != b) ? b : a` keeps the compiler from emitting plain vmaxps; here each lane
// takes a plain max and a separate lane remembers whether it saw a NaN, which vectorises
// fully (about 1.7x faster than the generic loop on one thread).
template <class T, bool Max>
T contiguous_extreme(const T* p, int64_t n) {
  constexpr int L = 128 / sizeof(T);  // two AVX-512 registers of lanes
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(get_num_threads(), n / kParallelGrain));
  std::vector<T> part(chunks);
  std::vector<uint8_t> part_nan(chunks, 0);
  parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t b = n * c / chunks, e = n * (c + 1) / chunks;
      T lane[L], nan[L];
      for (int k = 0; k < L; ++k) lane[k] = p[b], nan[k] = 0;
      int64_t i = b;
      for (; i + L <= e; i += L)
        for (int k = 0; k < L; ++k) {
          const T v = p[i + k];
          lane[k] = Max ? (v > lane[k] ? v : lane[k]) : (v < lane[k] ? v : lane[k]);
          nan[k] = v != v ? T(1) : nan[k];
        }
      T best = lane[0];
      bool saw_nan = false;
      for (int k = 0; k < L; ++k) {
        best = Max ? std::max(best, lane[k]) : std::min(best, lane[k]);
        saw_nan |= nan[k] != 0;
      }
      for (; i < e; ++i) {
        best = Max ? std::max(best, p[i]) : std::min(best, p[i]);
        saw_nan |= p[i] != p[i];
      }
      part[c] = best;
      part_nan[c] = saw_nan;
    }
  });
  T best = part[0];
  for (int64_t c = 0; c < chunks; ++c) {
    if (part_nan[c]) return std::numeric_limits<T>::quiet_NaN();
    best = Max ? std::max(best, part[c]) : std::min(best, part[c]);
  }
  return best;
}

// max/min of all elements
// y = max(x)       dx = g / k at each of the k elements equal to y (ties share the gradient)
template <bool Max>
Tensor extreme_all(const Tensor& x) {
  MINIDL_CHECK(x.numel() > 0, Error, Max ? "max" : "min",
               "(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with "
               "the 'dim' argument.");
  Tensor y = Tensor::empty({}, x.dtype());
  const std::vector<bool> every(x.dim(), true);
  dispatch(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_floating_point_v<T>) {
      if (x.is_contiguous()) {
        *y.data<T>() = contiguous_extreme<T, Max>(x.data<T>(), x.numel());
        return;
      }
    }
    *y.data<T>() = static_cast<T>(rloops::reduce<T>(x, every, ExtremeOp<T, Max>{})[0]);
  });
  if (any_requires_grad({&x}))
    record(Max ? "MaxBackward1" : "MinBackward1", {x}, y,
           [sx = SavedTensor(x), sy = SavedTensor(y)](const Tensor& g, const Node&) -> Grads {
             const Tensor xv = sx.get(), yv = sy.get();
             return {dispatch_floating(xv.dtype(), "max backward", [&](auto tag) {
               using T = typename decltype(tag)::type;
               const T value = *yv.data<T>();
               const int64_t count =
                   rloops::reduce<T>(xv, std::vector<bool>(xv.dim(), true), CountEqOp<T>{value})[0];
               const T share = *as_dtype(g, xv.dtype()).template data<T>() / static_cast<T>(count);
               const bool is_nan = value != value;
               return detail::map1<T, T>(xv, [=](T v) { return (v == value || (is_nan && v != v)) ? share : T(0); });
             })};
           });
  return y;
}

template <bool Max>
Tensor arg_extreme(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  const char* name = Max ? "argmax" : "argmin";
  if (!dim) {
    MINIDL_CHECK(x.numel() > 0, Error, name,
                 "(): Expected reduction dim to be specified for input.numel() == 0.");
    Tensor idx = select_along<Max>(reshape(x.detach(), {x.numel()}), 0).second;
    return reshape(idx, keepdim ? Shape(x.dim(), 1) : Shape{});
  }
  const int64_t d = wrap_dim(*dim, x.dim());
  if (x.dim() > 0)
    MINIDL_CHECK(x.shape()[d] > 0, IndexError, name, "(): Expected reduction dim ", d, " to have non-zero size.");
  return extreme_dim<Max>(x.detach(), *dim, keepdim).second;
}

template <bool Any>
Tensor logical_reduce(const Tensor& x, const Dims& dims, bool keepdim) {
  const auto mask = reduced_mask(x, dims);
  Tensor y = Tensor::empty(reduced_shape(x, mask, keepdim), DType::Bool);
  dispatch(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    write_out<bool>(y, rloops::reduce<T>(x, mask, LogicOp<T, Any>{}), [](uint8_t a) { return a != 0; });
  });
  return y;
}

// var and std: the mean, then the mean squared deviation from it (two passes, accurate).
// Returns the variance per output and, through `mean_kd`, the mean in keepdim shape.
template <class T>
std::vector<double> variance(const Tensor& x, const std::vector<bool>& mask, double correction, Tensor& mean_kd) {
  const int64_t n = reduced_count(x, mask);
  std::vector<double> mean = rloops::reduce<T>(x, mask, SumOp<T>{});
  for (double& m : mean) m /= static_cast<double>(n);
  std::vector<double> var = rloops::reduce<T>(x, mask, SqDevOp<T>{mean.data()}, 2);
  const double denom = std::max(0.0, static_cast<double>(n) - correction);
  for (double& v : var) v /= denom;
  mean_kd = Tensor::empty(keepdim_shape(x.shape(), mask), x.dtype());
  write_out<T>(mean_kd, mean, [](double m) { return static_cast<T>(m); });
  return var;
}

template <bool Sqrt>
Tensor var_std(const Tensor& x, const Dims& dims, double correction, bool keepdim) {
  const char* name = Sqrt ? "std" : "var";
  MINIDL_CHECK(is_floating(x.dtype()), TypeError, name,
               "(): only floating-point tensors are supported (float32 or float64), got ", dtype_name(x.dtype()));
  const auto mask = reduced_mask(x, dims);
  Tensor y = Tensor::empty(reduced_shape(x, mask, keepdim), x.dtype());
  Tensor mean_kd;
  dispatch_floating(x.dtype(), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    write_out<T>(y, variance<T>(x, mask, correction, mean_kd),
                 [](double v) { return static_cast<T>(Sqrt ? std::sqrt(v) : v); });
  });
  if (any_requires_grad({&x})) {
    const double denom = std::max(0.0, static_cast<double>(reduced_count(x, mask)) - correction);
    record(Sqrt ? "StdBackward0" : "VarBackward0", {x}, y,
           [sx = SavedTensor(x), sy = SavedTensor(y), mean_kd, kd = keepdim_shape(x.shape(), mask),
            denom](const Tensor& g, const Node&) -> Grads {
             const Tensor xv = sx.get();
             // var: dx = g 2 (x - mean) / (N - c);   std: dx = g (x - mean) / ((N - c) std)
             Tensor gk = reshape(as_dtype(g, xv.dtype()), kd);
             if (Sqrt) gk = detail::zip(gk, reshape(sy.get(), kd), [](auto gv, auto s) { return gv / s; });
             const double scale = (Sqrt ? 1.0 : 2.0) / denom;
             Tensor dx = Tensor::empty(xv.shape(), xv.dtype());
             dispatch_floating(xv.dtype(), "var backward", [&](auto tag) {
               using T = typename decltype(tag)::type;
               const T c = static_cast<T>(scale);
               loops::ternary<T, T, T, T>(dx, xv, gk, mean_kd, [c](T v, T gv, T m) { return gv * (v - m) * c; });
             });
             return {dx};
           });
  }
  return y;
}

}  // namespace

// y = sum over dims of x        dx = g broadcast back over the summed dims
Tensor sum(const Tensor& x, const Dims& dims, bool keepdim) {
  const auto mask = reduced_mask(x, dims);
  const DType od = is_floating(x.dtype()) ? x.dtype() : DType::Int64;  // bools and ints sum to int64
  Tensor y = Tensor::empty(reduced_shape(x, mask, keepdim), od);
  dispatch(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using O = std::conditional_t<std::is_floating_point_v<T>, T, int64_t>;
    write_out<O>(y, rloops::reduce<T>(x, mask, SumOp<T>{}), [](acc_t<T> a) { return static_cast<O>(a); });
  });
  if (any_requires_grad({&x}))
    record(dims.empty() ? "SumBackward0" : "SumBackward1", {x}, y,
           [in_shape = x.shape(), kd = keepdim_shape(x.shape(), mask)](const Tensor& g, const Node&) -> Grads {
             return {expand(reshape(g, kd), in_shape)};
           });
  return y;
}

// y = sum(x) / N                dx = g / N broadcast back over the reduced dims
Tensor mean(const Tensor& x, const Dims& dims, bool keepdim) {
  MINIDL_CHECK(is_floating(x.dtype()), TypeError,
               "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
               "Got: ", torch_dtype_name(x.dtype()));
  const auto mask = reduced_mask(x, dims);
  const int64_t n = reduced_count(x, mask);
  Tensor y = Tensor::empty(reduced_shape(x, mask, keepdim), x.dtype());
  dispatch_floating(x.dtype(), "mean", [&](auto tag) {
    using T = typename decltype(tag)::type;
    write_out<T>(y, rloops::reduce<T>(x, mask, SumOp<T>{}),
                 [n](double a) { return static_cast<T>(a / static_cast<double>(n)); });
  });
  if (any_requires_grad({&x}))
    record(dims.empty() ? "MeanBackward0" : "MeanBackward1", {x}, y,
           [in_shape = x.shape(), kd = keepdim_shape(x.shape(), mask), n](const Tensor& g, const Node&) -> Grads {
             return {expand(reshape(div(g, scalar_tensor(static_cast<double>(n), g.dtype())), kd), in_shape)};
           });
  return y;
}

Tensor var(const Tensor& x, const Dims& dims, double correction, bool keepdim) {
  return var_std<false>(x, dims, correction, keepdim);
}

Tensor std(const Tensor& x, const Dims& dims, double correction, bool keepdim) {
  return var_std<true>(x, dims, correction, keepdim);
}

std::pair<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim) { return extreme_dim<true>(x, dim, keepdim); }
std::pair<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim) { return extreme_dim<false>(x, dim, keepdim); }
Tensor max(const Tensor& x) { return extreme_all<true>(x); }
Tensor min(const Tensor& x) { return extreme_all<false>(x); }
Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) { return arg_extreme<true>(x, dim, keepdim); }
Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim) { return arg_extreme<false>(x, dim, keepdim); }
Tensor any(const Tensor& x, const Dims& dims, bool keepdim) { return logical_reduce<true>(x, dims, keepdim); }
Tensor all(const Tensor& x, const Dims& dims, bool keepdim) { return logical_reduce<false>(x, dims, keepdim); }

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  const int64_t lead = x.dim() - static_cast<int64_t>(shape.size());
  MINIDL_CHECK(lead >= 0, ValueError, "sum_to: cannot sum shape ", shape_str(x.shape()), " to ", shape_str(shape));
  Dims dims;
  for (int64_t i = 0; i < x.dim(); ++i) {
    if (i < lead) dims.push_back(i);
    else if (shape[i - lead] == 1 && x.shape()[i] != 1) dims.push_back(i);
    else
      MINIDL_CHECK(shape[i - lead] == x.shape()[i], ValueError, "sum_to: cannot sum shape ", shape_str(x.shape()),
                   " to ", shape_str(shape));
  }
  if (dims.empty()) return reshape(x, shape);
  return reshape(sum(x, dims, /*keepdim=*/true), shape);
}

}  // namespace minidl
