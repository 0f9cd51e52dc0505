// Creation functions: zeros(2, 3), ones((2, 3), dtype=minidl.float64), arange(...), rand...
#include "common.hpp"

namespace minidl::bind {

namespace {

DType dtype_or(const py::object& d, DType fallback) { return d.is_none() ? fallback : parse_dtype(d); }

Tensor finish(Tensor t, bool requires_grad) {
  if (requires_grad) t.set_requires_grad(true);
  return t;
}

// Shape from *size, a single sequence, or size= (PyTorch's keyword); dtype and requires_grad as keywords.
template <class Make>
void def_sized(py::module_& m, const char* name, Make make, DType default_dtype, const char* doc) {
  m.def(name, [make, default_dtype, name](py::args args, py::object size, py::object dtype, bool requires_grad) {
        Shape shape;
        if (size.is_none()) {
          shape = parse_shape(args, name);
        } else {
          MINIDL_CHECK(args.size() == 0, TypeError, name, "(): size given both positionally and as size=");
          shape = parse_shape_obj(size, name);
        }
        return finish(make(shape, dtype_or(dtype, default_dtype)), requires_grad);
      }, py::kw_only(), py::arg("size") = py::none(), py::arg("dtype") = py::none(), py::arg("requires_grad") = false,
      doc);
}

template <class Make>
void def_like(py::module_& m, const char* name, Make make) {
  m.def(name, [make](const Tensor& like, py::object dtype, bool requires_grad) {
        return finish(make(like.shape(), dtype_or(dtype, like.dtype())), requires_grad);
      }, py::arg("input"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("requires_grad") = false);
}

bool is_float_number(py::handle h) { return PyFloat_Check(h.ptr()); }

}  // namespace

void bind_creation(py::module_& m) {
  def_sized(m, "zeros", [](const Shape& s, DType d) { return zeros(s, d); }, kDefaultFloat, "A tensor of zeros.");
  def_sized(m, "ones", [](const Shape& s, DType d) { return ones(s, d); }, kDefaultFloat, "A tensor of ones.");
  def_sized(m, "empty", [](const Shape& s, DType d) { return Tensor::empty(s, d); }, kDefaultFloat,
            "A tensor with uninitialised values.");
  def_sized(m, "rand", [](const Shape& s, DType d) { return rand(s, d); }, kDefaultFloat,
            "Uniform samples from [0, 1), drawn from the global generator (minidl.manual_seed).");
  def_sized(m, "randn", [](const Shape& s, DType d) { return randn(s, d); }, kDefaultFloat,
            "Standard normal samples N(0, 1), drawn from the global generator (minidl.manual_seed).");

  def_like(m, "zeros_like", [](const Shape& s, DType d) { return zeros(s, d); });
  def_like(m, "ones_like", [](const Shape& s, DType d) { return ones(s, d); });
  def_like(m, "empty_like", [](const Shape& s, DType d) { return Tensor::empty(s, d); });
  def_like(m, "rand_like", [](const Shape& s, DType d) { return rand(s, d); });
  def_like(m, "randn_like", [](const Shape& s, DType d) { return randn(s, d); });

  m.def("full", [](py::handle size, py::handle value, py::object dtype, bool requires_grad) {
        // dtype follows the fill value when not given: bool, int64 or float32 (as PyTorch)
        DType def = PyBool_Check(value.ptr()) ? DType::Bool : is_float_number(value) ? kDefaultFloat : DType::Int64;
        const DType d = dtype_or(dtype, def);
        Tensor t = full(parse_shape_obj(size, "full"), value.cast<double>(), d);
        if (d == DType::Int64 && PyLong_Check(value.ptr()))  // exact: a double holds only 53 bits
          std::fill(t.data<int64_t>(), t.data<int64_t>() + t.numel(), value.cast<int64_t>());
        return finish(t, requires_grad);
      }, py::arg("size"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("requires_grad") = false);
  m.def("full_like", [](const Tensor& like, double value, py::object dtype, bool requires_grad) {
        return finish(full(like.shape(), value, dtype_or(dtype, like.dtype())), requires_grad);
      }, py::arg("input"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("requires_grad") = false);

  m.def("arange", [](py::handle a, py::handle b, py::handle step, py::object dtype, bool requires_grad) {
        // arange(end) or arange(start, end[, step]); integers give int64, any float gives float32
        const bool any_float = is_float_number(a) || is_float_number(b) || is_float_number(step);
        double start = 0, end;
        if (b.is_none()) end = a.cast<double>();
        else { start = a.cast<double>(); end = b.cast<double>(); }
        const DType d = dtype_or(dtype, any_float ? kDefaultFloat : DType::Int64);
        return finish(arange(start, end, step.cast<double>(), d), requires_grad);
      }, py::arg("start"), py::arg("end") = py::none(), py::arg("step") = 1, py::kw_only(),
      py::arg("dtype") = py::none(), py::arg("requires_grad") = false);

  m.def("linspace", [](double start, double end, int64_t steps, py::object dtype, bool requires_grad) {
        return finish(linspace(start, end, steps, dtype_or(dtype, kDefaultFloat)), requires_grad);
      }, py::arg("start"), py::arg("end"), py::arg("steps"), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("requires_grad") = false);

  m.def("eye", [](int64_t n, py::object mm, py::object dtype, bool requires_grad) {
        return finish(eye(n, mm.is_none() ? n : mm.cast<int64_t>(), dtype_or(dtype, kDefaultFloat)), requires_grad);
      }, py::arg("n"), py::arg("m") = py::none(), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("requires_grad") = false);

  m.def("randint", [](py::args args, py::object size, py::object dtype, bool requires_grad) {
        // randint(high, size) or randint(low, high, size); size may be given as a keyword
        std::vector<py::handle> a(args.begin(), args.end());
        if (!size.is_none()) a.push_back(size);
        MINIDL_CHECK(a.size() == 2 || a.size() == 3, TypeError,
                     "randint expects (high, size) or (low, high, size), got ", a.size(), " arguments");
        const int64_t low = a.size() == 3 ? a[0].cast<int64_t>() : 0;
        const int64_t high = a[a.size() - 2].cast<int64_t>();
        return finish(randint(low, high, parse_shape_obj(a.back(), "randint"), dtype_or(dtype, DType::Int64)),
                      requires_grad);
      }, py::kw_only(), py::arg("size") = py::none(), py::arg("dtype") = py::none(), py::arg("requires_grad") = false);
  m.def("randperm", &randperm, py::arg("n"));
  m.def("manual_seed", [](int64_t seed) { manual_seed(static_cast<uint64_t>(seed)); }, py::arg("seed"),
        "Seed minidl's one global generator: the same seed gives the same random tensors.");
  m.def("initial_seed", &initial_seed);

  tensor_class()
      .def("uniform_", [](Tensor& t, double a, double b) -> Tensor& { return uniform_(t, a, b); },
           py::arg("a") = 0.0, py::arg("b") = 1.0)
      .def("normal_", [](Tensor& t, double mean, double std) -> Tensor& { return normal_(t, mean, std); },
           py::arg("mean") = 0.0, py::arg("std") = 1.0);
}

}  // namespace minidl::bind
