// Argument conversion shared by all binding files.
#include "common.hpp"

namespace minidl::bind {

Tensor tensor_from_numpy(py::array a);  // numpy.cpp

std::optional<Tensor> as_operand(py::handle h, const Tensor& like) {
  if (py::isinstance<Tensor>(h)) return h.cast<Tensor>();
  // An ndarray is a tensor operand (read in place, as PyTorch does), not something for
  // NumPy to turn the tensor into an array for: `t + a` and `a + t` give tensors.
  if (py::isinstance<py::array>(h)) return tensor_from_numpy(py::reinterpret_borrow<py::array>(h));
  if (PyBool_Check(h.ptr())) return scalar_like(h.ptr() == Py_True ? 1.0 : 0.0, false, true, like);
  if (PyLong_Check(h.ptr())) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(h.ptr(), &overflow);
    if (overflow) throw ValueError(str("integer ", py::str(h).cast<std::string>(), " does not fit in int64"));
    Tensor t = scalar_like(static_cast<double>(v), false, false, like);
    if (t.dtype() == DType::Int64) *t.data<int64_t>() = v;  // exact: a double holds only 53 bits
    return t;
  }
  if (PyFloat_Check(h.ptr())) return scalar_like(PyFloat_AS_DOUBLE(h.ptr()), true, false, like);
  // NumPy scalars (np.float32(2), np.int64(3)) behave like Python numbers.
  if (py::isinstance(h, py::module_::import("numpy").attr("generic"))) {
    py::object item = h.attr("item")();
    return as_operand(item, like);
  }
  return std::nullopt;
}

Tensor to_operand(py::handle h, const Tensor& like, const char* what) {
  auto t = as_operand(h, like);
  if (!t) throw TypeError(str(what, ": expected a Tensor or a number, got ", py::str(py::type::of(h).attr("__name__")).cast<std::string>()));
  return *t;
}

DType parse_dtype(py::handle h) {
  if (py::isinstance<DType>(h)) return h.cast<DType>();
  if (h.ptr() == reinterpret_cast<PyObject*>(&PyFloat_Type)) return DType::Float64;  // as torch: dtype=float is float64
  if (h.ptr() == reinterpret_cast<PyObject*>(&PyLong_Type)) return DType::Int64;
  if (h.ptr() == reinterpret_cast<PyObject*>(&PyBool_Type)) return DType::Bool;
  std::string name;
  if (py::isinstance<py::str>(h)) {
    name = h.cast<std::string>();
  } else {
    try {
      name = py::str(py::module_::import("numpy").attr("dtype")(h).attr("name")).cast<std::string>();
    } catch (const py::error_already_set&) {
      throw TypeError(str("dtype must be one of minidl.float32, float64, int64, bool; got ",
                          py::repr(h).cast<std::string>()));
    }
  }
  if (name == "float32" || name == "float") return DType::Float32;
  if (name == "float64" || name == "double") return DType::Float64;
  if (name == "int64" || name == "long") return DType::Int64;
  if (name == "bool") return DType::Bool;
  throw TypeError(str("minidl supports the dtypes float32, float64, int64 and bool; got ", name));
}

Shape parse_shape_obj(py::handle h, const char* fn) {
  Shape s;
  if (py::isinstance<py::int_>(h)) return {h.cast<int64_t>()};
  if (!py::isinstance<py::sequence>(h) || py::isinstance<py::str>(h))
    throw TypeError(str(fn, ": size must be a sequence of ints, got ", py::repr(h).cast<std::string>()));
  for (py::handle d : h) {
    if (!py::isinstance<py::int_>(d) || PyBool_Check(d.ptr()))
      throw TypeError(str(fn, ": size must contain only ints, got ", py::repr(h).cast<std::string>()));
    s.push_back(d.cast<int64_t>());
  }
  return s;
}

Shape parse_shape(const py::args& args, const char* fn) {
  if (args.size() == 1 && !py::isinstance<py::int_>(args[0])) return parse_shape_obj(args[0], fn);
  return parse_shape_obj(args, fn);
}

std::vector<int64_t> parse_dims(py::handle h) {
  if (h.is_none()) return {};
  const auto bad = [&] {
    return TypeError(str("dim must be an int or a tuple of ints, got ", py::repr(h).cast<std::string>()));
  };
  if (PyBool_Check(h.ptr())) throw bad();
  if (py::isinstance<py::int_>(h)) return {h.cast<int64_t>()};
  // a str, dict or set would iterate (possibly to nothing, meaning "every dim"): refuse them
  if (!py::isinstance<py::tuple>(h) && !py::isinstance<py::list>(h)) throw bad();
  std::vector<int64_t> dims;
  for (py::handle d : h) {
    if (!py::isinstance<py::int_>(d) || PyBool_Check(d.ptr())) throw bad();
    dims.push_back(d.cast<int64_t>());
  }
  return dims;
}

}  // namespace minidl::bind
