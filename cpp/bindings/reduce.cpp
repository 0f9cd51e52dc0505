// Reductions and the softmax family: Tensor methods and minidl.<fn> functions with
// PyTorch's signatures (x.sum(dim=None, keepdim=False), minidl.max(x, dim) -> (values, indices)...).
#include <optional>

#include "common.hpp"

namespace minidl::bind {

namespace {

int64_t parse_dim(py::handle h, const char* fn) {
  if (!py::isinstance<py::int_>(h) || PyBool_Check(h.ptr()))
    throw TypeError(str(fn, "(): dim must be an int, got ", py::repr(h).cast<std::string>()));
  return h.cast<int64_t>();
}

std::optional<DType> opt_dtype(py::handle h) {
  if (h.is_none()) return std::nullopt;
  return parse_dtype(h);
}

Tensor cast_to(const Tensor& x, std::optional<DType> d) { return d ? to_dtype(x, *d) : x; }

Tensor sum_fn(const Tensor& x, py::handle dim, bool keepdim, py::handle dtype) {
  const Dims dims = parse_dims(dim);
  const auto d = opt_dtype(dtype);
  MaybeRelease g(x.numel());
  return sum(cast_to(x, d), dims, keepdim);
}

Tensor mean_fn(const Tensor& x, py::handle dim, bool keepdim, py::handle dtype) {
  const Dims dims = parse_dims(dim);
  const auto d = opt_dtype(dtype);
  MaybeRelease g(x.numel());
  return mean(cast_to(x, d), dims, keepdim);
}

// PyTorch's var/std arguments: dim, unbiased (bool, or x.var(False) positionally),
// keepdim, and the keyword-only correction (which unbiased is shorthand for).
template <bool Sqrt>
Tensor var_fn(const Tensor& x, py::object dim, py::object unbiased, bool keepdim, py::object correction) {
  const char* name = Sqrt ? "std" : "var";
  if (PyBool_Check(dim.ptr())) {  // x.var(False): the old (unbiased) signature
    MINIDL_CHECK(unbiased.is_none(), TypeError, name, "(): unbiased given twice");
    unbiased = dim;
    dim = py::none();
  }
  double c = 1.0;
  if (!correction.is_none()) {
    MINIDL_CHECK(unbiased.is_none(), ValueError, name, "(): cannot pass both correction and unbiased arguments");
    try {
      c = correction.cast<double>();
    } catch (const py::cast_error&) {
      throw TypeError(str(name, "(): correction must be a number, got ", py::repr(correction).cast<std::string>()));
    }
  } else if (!unbiased.is_none()) {
    MINIDL_CHECK(PyBool_Check(unbiased.ptr()), TypeError, name, "(): unbiased must be a bool, got ",
                 py::repr(unbiased).cast<std::string>());
    c = unbiased.ptr() == Py_True ? 1.0 : 0.0;
  }
  const Dims dims = parse_dims(dim);
  MaybeRelease g(x.numel());
  return Sqrt ? minidl::std(x, dims, c, keepdim) : var(x, dims, c, keepdim);
}

// max(x) -> value; max(x, dim, keepdim) -> (values, indices); max(x, other) -> maximum.
template <bool Max>
py::object extreme_fn(const Tensor& x, py::handle dim, bool keepdim, const py::object& result_type) {
  const char* name = Max ? "max" : "min";
  if (dim.is_none()) {
    MINIDL_CHECK(!keepdim, TypeError, name, "(): keepdim=True needs a dim");
    Tensor r;
    {
      MaybeRelease g(x.numel());
      r = Max ? max(x) : min(x);
    }
    return py::cast(std::move(r));
  }
  if (py::isinstance<Tensor>(dim)) {
    const Tensor other = dim.cast<Tensor>();
    Tensor r;
    {
      MaybeRelease g(std::max(x.numel(), other.numel()));
      r = Max ? maximum(x, other) : minimum(x, other);
    }
    return py::cast(std::move(r));
  }
  const int64_t d = parse_dim(dim, name);
  std::pair<Tensor, Tensor> r;
  {
    MaybeRelease g(x.numel());
    r = Max ? max(x, d, keepdim) : min(x, d, keepdim);
  }
  return result_type(r.first, r.second);
}

template <bool Max>
Tensor arg_fn(const Tensor& x, py::handle dim, bool keepdim) {
  std::optional<int64_t> d;
  if (!dim.is_none()) d = parse_dim(dim, Max ? "argmax" : "argmin");
  MaybeRelease g(x.numel());
  return Max ? argmax(x, d, keepdim) : argmin(x, d, keepdim);
}

Tensor logsumexp_fn(const Tensor& x, py::handle dim, bool keepdim) {
  const Dims dims = parse_dims(dim);
  MaybeRelease g(x.numel());
  return logsumexp(x, dims, keepdim);
}

template <bool Log>
Tensor softmax_fn(const Tensor& x, py::handle dim, py::handle dtype) {
  const int64_t d = parse_dim(dim, Log ? "log_softmax" : "softmax");
  const auto dt = opt_dtype(dtype);
  MaybeRelease g(x.numel());
  const Tensor xx = cast_to(x, dt);
  return Log ? log_softmax(xx, d) : softmax(xx, d);
}

template <bool Any>
Tensor logical_fn(const Tensor& x, py::handle dim, bool keepdim) {
  const Dims dims = parse_dims(dim);
  MaybeRelease g(x.numel());
  return Any ? any(x, dims, keepdim) : all(x, dims, keepdim);
}

}  // namespace

void bind_reduce(py::module_& m) {
  // max/min with a dim return named tuples, like torch.return_types.max.
  py::module_ rt = m.def_submodule("return_types", "Named tuples (values, indices) returned by max and min with a dim.");
  py::object namedtuple = py::module_::import("collections").attr("namedtuple");
  for (const char* n : {"max", "min"}) {
    py::object t = namedtuple(n, py::make_tuple("values", "indices"));
    t.attr("__module__") = "minidl.return_types";
    rt.attr(n) = t;
  }
  const py::object max_t = rt.attr("max"), min_t = rt.attr("min");

  const char* sum_doc = "sum(dim=None, keepdim=False, *, dtype=None): y = sum of x over dim (all dims if None).\n"
                        "Bool and integer tensors sum to int64. Gradient: dx = g broadcast back over dim.";
  const char* mean_doc = "mean(dim=None, keepdim=False, *, dtype=None): y = sum(x) / N over dim.\n"
                         "Floating tensors only (pass dtype= for integers). Gradient: dx = g / N.";
  const char* var_doc = "var(dim=None, unbiased=None, keepdim=False, *, correction=None):\n"
                        "y = sum((x - mean)^2) / (N - correction); correction defaults to 1 (unbiased),\n"
                        "unbiased=False means correction=0. Gradient: dx = g 2 (x - mean) / (N - correction).";
  const char* std_doc = "std(dim=None, unbiased=None, keepdim=False, *, correction=None): y = sqrt(var).\n"
                        "Gradient: dx = g (x - mean) / ((N - correction) y).";
  const char* max_doc = "max() -> the largest element; max(dim, keepdim=False) -> (values, indices);\n"
                        "max(other) -> maximum(self, other). NaN propagates. Gradient: to the selected element\n"
                        "(without dim: shared equally among ties).";
  const char* min_doc = "min() -> the smallest element; min(dim, keepdim=False) -> (values, indices);\n"
                        "min(other) -> minimum(self, other). NaN propagates.";
  const char* lse_doc = "logsumexp(dim, keepdim=False): y = m + log(sum(exp(x - m))), m = max(x) (stable).\n"
                        "Gradient: dx = g softmax(x).";
  const char* softmax_doc = "softmax(dim, dtype=None): y = exp(x - m) / sum(exp(x - m)) along dim, m = max(x).\n"
                            "Gradient: dx = y (g - sum(g y, dim)).";
  const char* log_softmax_doc = "log_softmax(dim, dtype=None): y = x - m - log(sum(exp(x - m))) along dim.\n"
                                "Gradient: dx = g - exp(y) sum(g, dim).";

  auto& c = tensor_class();
  c.def("sum", &sum_fn, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
        py::arg("dtype") = py::none(), sum_doc)
      .def("mean", &mean_fn, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
           py::arg("dtype") = py::none(), mean_doc)
      // NumPy's np.sum(t) / np.mean(t) call t.sum(axis=..., out=None): a second overload
      // (tried only when the first does not match) takes NumPy's argument names.
      .def("sum", [](const Tensor& x, py::handle axis, py::handle dtype, py::handle out, bool keepdims) {
            MINIDL_CHECK(out.is_none(), TypeError, "sum: minidl does not support out=");
            return sum_fn(x, axis, keepdims, dtype);
          }, py::kw_only(), py::arg("axis"), py::arg("dtype") = py::none(), py::arg("out") = py::none(),
          py::arg("keepdims") = false)
      .def("mean", [](const Tensor& x, py::handle axis, py::handle dtype, py::handle out, bool keepdims) {
            MINIDL_CHECK(out.is_none(), TypeError, "mean: minidl does not support out=");
            return mean_fn(x, axis, keepdims, dtype);
          }, py::kw_only(), py::arg("axis"), py::arg("dtype") = py::none(), py::arg("out") = py::none(),
          py::arg("keepdims") = false)
      .def("var", &var_fn<false>, py::arg("dim") = py::none(), py::arg("unbiased") = py::none(),
           py::arg("keepdim") = false, py::kw_only(), py::arg("correction") = py::none(), var_doc)
      .def("std", &var_fn<true>, py::arg("dim") = py::none(), py::arg("unbiased") = py::none(),
           py::arg("keepdim") = false, py::kw_only(), py::arg("correction") = py::none(), std_doc)
      .def("max", [max_t](const Tensor& x, py::handle dim, bool keepdim) { return extreme_fn<true>(x, dim, keepdim, max_t); },
           py::arg("dim") = py::none(), py::arg("keepdim") = false, max_doc)
      .def("min", [min_t](const Tensor& x, py::handle dim, bool keepdim) { return extreme_fn<false>(x, dim, keepdim, min_t); },
           py::arg("dim") = py::none(), py::arg("keepdim") = false, min_doc)
      .def("argmax", &arg_fn<true>, py::arg("dim") = py::none(), py::arg("keepdim") = false,
           "Index of the largest element (of the flattened tensor when dim is None); first one among ties.")
      .def("argmin", &arg_fn<false>, py::arg("dim") = py::none(), py::arg("keepdim") = false,
           "Index of the smallest element (of the flattened tensor when dim is None); first one among ties.")
      .def("logsumexp", &logsumexp_fn, py::arg("dim"), py::arg("keepdim") = false, lse_doc)
      .def("softmax", &softmax_fn<false>, py::arg("dim"), py::arg("dtype") = py::none(), softmax_doc)
      .def("log_softmax", &softmax_fn<true>, py::arg("dim"), py::arg("dtype") = py::none(), log_softmax_doc)
      .def("any", &logical_fn<true>, py::arg("dim") = py::none(), py::arg("keepdim") = false,
           "True where any element over dim is nonzero (bool result, no gradient).")
      .def("all", &logical_fn<false>, py::arg("dim") = py::none(), py::arg("keepdim") = false,
           "True where every element over dim is nonzero (bool result, no gradient).");

  m.def("sum", &sum_fn, py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
        py::arg("dtype") = py::none(), sum_doc);
  m.def("mean", &mean_fn, py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
        py::arg("dtype") = py::none(), mean_doc);
  m.def("var", &var_fn<false>, py::arg("input"), py::arg("dim") = py::none(), py::arg("unbiased") = py::none(),
        py::arg("keepdim") = false, py::kw_only(), py::arg("correction") = py::none(), var_doc);
  m.def("std", &var_fn<true>, py::arg("input"), py::arg("dim") = py::none(), py::arg("unbiased") = py::none(),
        py::arg("keepdim") = false, py::kw_only(), py::arg("correction") = py::none(), std_doc);
  m.def("max", [max_t](const Tensor& x, py::handle dim, bool keepdim) { return extreme_fn<true>(x, dim, keepdim, max_t); },
        py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false, max_doc);
  m.def("min", [min_t](const Tensor& x, py::handle dim, bool keepdim) { return extreme_fn<false>(x, dim, keepdim, min_t); },
        py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false, min_doc);
  m.def("argmax", &arg_fn<true>, py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  m.def("argmin", &arg_fn<false>, py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  m.def("logsumexp", &logsumexp_fn, py::arg("input"), py::arg("dim"), py::arg("keepdim") = false, lse_doc);
  m.def("softmax", &softmax_fn<false>, py::arg("input"), py::arg("dim"), py::arg("dtype") = py::none(), softmax_doc);
  m.def("log_softmax", &softmax_fn<true>, py::arg("input"), py::arg("dim"), py::arg("dtype") = py::none(),
        log_softmax_doc);
  m.def("any", &logical_fn<true>, py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  m.def("all", &logical_fn<false>, py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
}

}  // namespace minidl::bind
