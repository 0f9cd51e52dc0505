// Reductions by name, and the argument checks every loss shares.
#include "loss_common.hpp"

namespace minidl::nn {

Reduction reduction_from_string(const std::string& s, bool allow_batchmean) {
  if (s == "mean") return Reduction::Mean;
  if (s == "sum") return Reduction::Sum;
  if (s == "none") return Reduction::None;
  if (s == "batchmean" && allow_batchmean) return Reduction::BatchMean;
  throw ValueError(str("reduction must be one of 'mean', 'sum', 'none'", allow_batchmean ? ", 'batchmean'" : "",
                       ", got '", s, "'"));
}

const char* reduction_name(Reduction r) {
  switch (r) {
    case Reduction::None: return "none";
    case Reduction::Mean: return "mean";
    case Reduction::Sum: return "sum";
    case Reduction::BatchMean: return "batchmean";
  }
  return "?";
}

namespace detail {

DType loss_dtype(const char* fn, const Tensor& input) {
  MINIDL_CHECK(input.defined(), ValueError, fn, ": input is undefined");
  MINIDL_CHECK(is_floating(input.dtype()), TypeError, fn, ": input must be a floating-point tensor (float32 or ",
               "float64), got ", dtype_name(input.dtype()));
  return input.dtype();
}

void check_same_shape(const char* fn, const Tensor& input, const Tensor& other, const char* what) {
  MINIDL_CHECK(other.defined(), ValueError, fn, ": ", what, " is undefined");
  MINIDL_CHECK(other.shape() == input.shape(), ValueError, fn, ": ", what, " shape ", shape_str(other.shape()),
               " does not match input shape ", shape_str(input.shape()),
               " (minidl does not broadcast a loss's target; reshape one of them, e.g. target.view(-1) or ",
               "input.squeeze(1))");
}

void check_broadcasts_to(const char* fn, const Tensor& input, const Tensor& other, const char* what) {
  bool ok = other.dim() <= input.dim();
  for (int64_t i = 1; ok && i <= other.dim(); ++i) {
    const int64_t o = other.shape()[other.dim() - i], n = input.shape()[input.dim() - i];
    ok = o == n || o == 1;
  }
  MINIDL_CHECK(ok, ValueError, fn, ": ", what, " of shape ", shape_str(other.shape()),
               " does not broadcast to the input shape ", shape_str(input.shape()));
}

void check_reduction(const char* fn, Reduction r) {
  MINIDL_CHECK(r != Reduction::BatchMean, ValueError, fn,
               ": reduction must be one of 'mean', 'sum', 'none' ('batchmean' is kl_div's only)");
}

Tensor contiguous_as(const Tensor& x, DType d) {
  Tensor v = x.detach();
  if (v.dtype() != d) return to_dtype(v, d);  // a new contiguous tensor
  return contiguous(v);
}

Tensor reduce_loss(const Tensor& l, Reduction r) {
  switch (r) {
    case Reduction::None: return l;
    case Reduction::Sum: return sum(l);
    case Reduction::Mean: return mean(l);
    case Reduction::BatchMean: return l.dim() == 0 ? sum(l) : div(sum(l), scalar_tensor(double(l.shape()[0]), l.dtype()));
  }
  return l;
}

}  // namespace detail
}  // namespace minidl::nn
