// The Tensor class: properties, autograd attributes, conversions to Python numbers.
#include "common.hpp"

namespace minidl::bind {

namespace {
py::class_<Tensor>* g_tensor_class = nullptr;

py::tuple to_tuple(const std::vector<int64_t>& v) {
  py::tuple t(v.size());
  for (size_t i = 0; i < v.size(); ++i) t[i] = py::int_(v[i]);
  return t;
}

// The single value of a one-element tensor as a Python number. The errors are PyTorch's:
// RuntimeError from item(), ValueError from float()/int().
py::object value_of(const Tensor& t) {
  return dispatch(t.dtype(), [&](auto tag) -> py::object {
    using T = typename decltype(tag)::type;
    const T v = *t.data<T>();
    if constexpr (std::is_same_v<T, bool>) return py::bool_(v);
    else if constexpr (std::is_integral_v<T>) return py::int_(v);
    else return py::float_(static_cast<double>(v));
  });
}

py::object item(const Tensor& t) {
  MINIDL_CHECK(t.numel() == 1, Error, "a Tensor with ", t.numel(), " elements cannot be converted to Scalar "
               "(item() needs exactly one element; shape is ", shape_str(t.shape()), ")");
  return value_of(t);
}

py::object python_number(const Tensor& t) {
  MINIDL_CHECK(t.numel() == 1, ValueError, "only one element tensors can be converted to Python scalars (got ",
               t.numel(), " elements, shape ", shape_str(t.shape()), ")");
  return value_of(t);
}
}  // namespace

py::class_<Tensor>& tensor_class() { return *g_tensor_class; }

void bind_tensor(py::module_& m) {
  py::enum_<DType>(m, "dtype", "Element type of a tensor: minidl.float32 (default), float64, int64, bool.")
      .value("float32", DType::Float32)
      .value("float64", DType::Float64)
      .value("int64", DType::Int64)
      .value("bool", DType::Bool)
      // prepend: pybind11's own enum __repr__ would otherwise win ("<dtype.float64: 3>")
      .def("__repr__", [](DType d) { return std::string("minidl.") + dtype_name(d); }, py::prepend())
      .def("__str__", [](DType d) { return std::string("minidl.") + dtype_name(d); }, py::prepend())
      .def_property_readonly("is_floating_point", [](DType d) { return is_floating(d); })
      .def_property_readonly("itemsize", [](DType d) { return itemsize(d); });

  static py::class_<Tensor> cls(m, "Tensor", R"doc(
An n-dimensional array with reverse-mode automatic differentiation.

Data live in a Storage shared by views; shape, strides (in elements) and offset say how
to read it. A tensor with requires_grad=True records the ops applied to it, and
backward() fills .grad of every leaf with d(output)/d(leaf).
)doc");
  g_tensor_class = &cls;

  cls.def(py::init([](const Tensor& t) { return t.detach(); }), py::arg("data"),
          "A new tensor sharing `data`'s memory, cut from the graph (used by nn.Parameter).")
      .def_property_readonly("shape", [](const Tensor& t) { return to_tuple(t.shape()); }, "The size of each dim.")
      .def("size", [](const Tensor& t, py::object dim) -> py::object {
            if (dim.is_none()) return to_tuple(t.shape());
            return py::int_(t.size(dim.cast<int64_t>()));
          }, py::arg("dim") = py::none())
      .def_property_readonly("dtype", &Tensor::dtype)
      .def_property_readonly("ndim", &Tensor::dim)
      .def("dim", &Tensor::dim)
      .def("numel", &Tensor::numel)
      .def("stride", [](const Tensor& t, py::object dim) -> py::object {
            if (dim.is_none()) return to_tuple(t.strides());
            return py::int_(t.strides()[wrap_dim(dim.cast<int64_t>(), t.dim())]);
          }, py::arg("dim") = py::none(), "Strides in elements (not bytes, unlike NumPy).")
      .def("storage_offset", &Tensor::offset)
      .def("is_contiguous", &Tensor::is_contiguous)
      .def("element_size", [](const Tensor& t) { return itemsize(t.dtype()); })
      .def_property_readonly("nbytes", [](const Tensor& t) { return t.numel() * itemsize(t.dtype()); })
      .def("data_ptr", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.raw_data()); })
      .def("is_floating_point", [](const Tensor& t) { return is_floating(t.dtype()); })
      .def_property_readonly("_version", &Tensor::version, "Bumped by every in-place write to the storage.")
      .def_property_readonly("_base_storage_id", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.storage().get()); })

      // ---- autograd ----
      .def_property("requires_grad", &Tensor::requires_grad,
                    [](Tensor& t, bool r) { t.set_requires_grad(r); })
      .def("requires_grad_", [](Tensor& t, bool r) { t.set_requires_grad(r); return t; }, py::arg("requires_grad") = true)
      .def_property_readonly("is_leaf", &Tensor::is_leaf)
      .def_property("grad",
          [](const Tensor& t) -> py::object {
            Tensor g = t.grad();
            if (!g.defined()) return py::none();
            return py::cast(g);
          },
          [](Tensor& t, py::object g) { t.set_grad(g.is_none() ? Tensor() : g.cast<Tensor>()); })
      .def_property_readonly("grad_fn", [](const Tensor& t) -> py::object {
            if (!t.grad_fn()) return py::none();
            return py::cast(t.grad_fn());
          })
      .def("retain_grad", &Tensor::retain_grad)
      .def_property_readonly("retains_grad", &Tensor::retains_grad)
      .def("detach", &Tensor::detach, "A tensor sharing this one's data, cut from the graph.")
      .def("detach_", [](Tensor& t) {
            release_node(std::move(t.impl()->grad_fn));
            t.impl()->requires_grad = false;
            return t;
          })
      .def_property("data", &Tensor::detach,
          [](Tensor& t, const Tensor& src) {
            // Swap in src's data (shape may change), as PyTorch's `p.data = x` does; autograd state stays.
            TensorImpl* i = t.impl();
            i->storage = src.storage();
            i->dtype = src.dtype();
            i->shape = src.shape();
            i->strides = src.strides();
            i->offset = src.offset();
          })

      // ---- Python numbers ----
      .def("item", &item, "The value of a one-element tensor as a Python number.")
      .def("__float__", [](const Tensor& t) { return python_number(t).cast<double>(); })
      .def("__int__", [](const Tensor& t) { return py::int_(python_number(t)); })
      .def("__index__", [](const Tensor& t) {
            MINIDL_CHECK(t.dtype() == DType::Int64 || t.dtype() == DType::Bool, TypeError,
                         "only integer tensors of a single element can be converted to an index, got ", dtype_name(t.dtype()));
            return py::int_(item(t));
          })
      .def("__bool__", [](const Tensor& t) {
            MINIDL_CHECK(t.numel() == 1, Error, "Boolean value of Tensor with more than one value is ambiguous (shape ",
                         shape_str(t.shape()), "); use .any() or .all()");
            return py::bool_(item(t));
          })
      .def("__len__", [](const Tensor& t) {
            MINIDL_CHECK(t.dim() > 0, TypeError, "len() of a 0-d tensor");
            return t.shape()[0];
          })
      .def("__hash__", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.impl()); });
}

}  // namespace minidl::bind
