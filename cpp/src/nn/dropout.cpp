// Dropout with inverted scaling (PyTorch's): p is the probability of DROPPING an element.
#include "../ops/elementwise_util.hpp"
#include "minidl/creation.hpp"
#include "minidl/nn/layers.hpp"
#include "minidl/ops/shape_ops.hpp"

namespace minidl::nn {

// training:  m_i = 1 / (1 - p) with probability 1 - p, else 0;   y = x m    dx = g m
// otherwise: y = x (the input itself, as PyTorch returns it)
// The mask comes from minidl's global generator (minidl.manual_seed), so a seed repeats it;
// it is drawn already scaled, and backward multiplies by it.
// p == 1 drops everything (zeros; the 1 / (1 - p) scale is never applied).
Tensor dropout(const Tensor& input, double p, bool training) {
  MINIDL_CHECK(p >= 0 && p <= 1, ValueError, "dropout probability has to be between 0 and 1, but got ", p);
  MINIDL_CHECK(is_floating(input.dtype()), TypeError,
               "dropout: expected a floating-point tensor (float32 or float64), got ", dtype_name(input.dtype()));
  if (!training || p == 0 || input.numel() == 0) return input;
  const DType d = input.dtype();
  // the mask holds the scale: 1 / (1 - p) where kept, 0 where dropped
  Tensor mask = Tensor::empty(input.shape(), d);
  bernoulli_scaled_(mask, 1.0 - p, p == 1 ? 0.0 : 1.0 / (1.0 - p));
  const Tensor xc = contiguous(input.detach());
  Tensor y = Tensor::empty(input.shape(), d);
  dispatch_floating(d, "dropout", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* pm = mask.data<T>();
    const T* px = xc.data<T>();
    T* py = y.data<T>();
    parallel_for(y.numel(), kParallelGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) py[i] = px[i] * pm[i];
    });
  });
  // PyTorch's CPU dropout is `input * mask`, hence its grad_fn name
  if (any_requires_grad({&input}))
    record("MulBackward0", {input}, y, [sm = SavedTensor(mask)](const Tensor& g, const Node&) -> Grads {
      return {mul(g, sm.get())};
    });
  return y;
}

}  // namespace minidl::nn
