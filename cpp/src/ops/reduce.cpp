// Reductions: sum, mean, var, std, max, min, argmax, logsumexp; the softmax family.
#include "minidl/ops/reduce.hpp"

#include <algorithm>
#include <cmath>

#include "elementwise_util.hpp"
#include "minidl/ops/shape_ops.hpp"

namespace minidl {

namespace {

// Which dims a reduction covers (empty `dims` = all), validated and sorted.
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

// The accumulator type: double for floats (accuracy), int64 for integers and bools.
template <class T> using acc_t = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

// For each output element, f(acc, in) over the reduced elements.
// Kept dims go first, reduced dims last, so each output owns one independent loop and
// outputs are split across threads.
template <class T, class Acc, class Init, class Step, class Finish>
void reduce_kernel(const Tensor& x, const std::vector<bool>& mask, Tensor& out, const Init& init, const Step& step,
                   const Finish& finish) {
  Shape kept_shape, red_shape;
  Strides kept_st, red_st;
  for (int64_t i = 0; i < x.dim(); ++i) {
    (mask[i] ? red_shape : kept_shape).push_back(x.shape()[i]);
    (mask[i] ? red_st : kept_st).push_back(x.strides()[i]);
  }
  const int64_t n_out = numel_of(kept_shape), n_red = numel_of(red_shape);
  const T* px = x.data<T>();
  const Strides out_kept = contiguous_strides(kept_shape);
  parallel_for(n_out, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(n_red, 1)), [&](int64_t b, int64_t e) {
    std::vector<int64_t> idx(red_shape.size());
    for (int64_t o = b; o < e; ++o) {
      int64_t base = 0, rem = o;
      for (size_t d = 0; d < kept_shape.size(); ++d) {
        base += (rem / out_kept[d]) * kept_st[d];
        rem %= out_kept[d];
      }
      Acc acc = init();
      std::fill(idx.begin(), idx.end(), 0);
      int64_t off = base;
      for (int64_t r = 0; r < n_red; ++r) {
        acc = step(acc, px[off], r);
        for (int64_t d = static_cast<int64_t>(red_shape.size()) - 1; d >= 0; --d) {
          ++idx[d];
          off += red_st[d];
          if (idx[d] < red_shape[d]) break;
          off -= red_st[d] * red_shape[d];
          idx[d] = 0;
        }
      }
      finish(o, acc);
    }
  });
}

}  // namespace

// y = sum over dims of x        dx = g broadcast back over the summed dims
Tensor sum(const Tensor& x, const Dims& dims, bool keepdim) {
  const auto mask = reduced_mask(x, dims);
  const DType od = is_floating(x.dtype()) ? x.dtype() : DType::Int64;  // bools and ints sum to int64
  Tensor y = Tensor::empty(reduced_shape(x, mask, keepdim), od);
  dispatch(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    using O = std::conditional_t<std::is_floating_point_v<T>, T, int64_t>;
    O* py = y.data<O>();
    reduce_kernel<T, A>(
        x, mask, y, [] { return A(0); }, [](A acc, T v, int64_t) { return acc + static_cast<A>(v); },
        [py](int64_t o, A acc) { py[o] = static_cast<O>(acc); });
  });
  if (any_requires_grad({&x}))
    record(dims.empty() ? "SumBackward0" : "SumBackward1", {x}, y,
           [in_shape = x.shape(), mask, keepdim](const Tensor& g, const Node&) -> Grads {
             // put the summed dims back as size 1, then broadcast
             Shape kd;
             for (size_t i = 0; i < in_shape.size(); ++i) kd.push_back(mask[i] ? 1 : in_shape[i]);
             return {expand(reshape(g, kd), in_shape)};
           });
  return y;
}

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
