// Indexing: x[...] and x[...] = value (NumPy rules), index_select, gather, nonzero,
// index_add, scatter_add.
//
// __getitem__ turns the Python index into IndexItems: int, slice, None, Ellipsis, Tensor
// (int64 or bool), lists / NumPy arrays of ints or bools (copied into tensors), or a tuple
// of those. A single int or slice skips all that and goes straight to select / slice.
#include <cmath>

#include "common.hpp"

namespace minidl::bind {

namespace {

std::string type_name(py::handle h) { return py::str(py::type::of(h).attr("__name__")).cast<std::string>(); }

int64_t to_int64(PyObject* o) {
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
  if (overflow) throw IndexError(str("index ", py::str(o).cast<std::string>(), " is out of range (it does not fit in int64)"));
  if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
  return v;
}

IndexItem slice_item(PyObject* o) {
  Py_ssize_t start = 0, stop = 0, step = 0;
  if (PySlice_Unpack(o, &start, &stop, &step) < 0) {
    if (PyErr_ExceptionMatches(PyExc_ValueError)) {  // the only ValueError it raises: step == 0
      PyErr_Clear();
      throw ValueError("step must be greater than zero (got 0)");
    }
    throw py::error_already_set();
  }
  MINIDL_CHECK(step > 0, ValueError, "step must be greater than zero (got ", step,
               "); minidl, like PyTorch, has no negative-step slices");
  return IndexItem::range(start, stop, step);
}

// A list, nested tuple or ndarray used as an index -> an int64 or bool tensor (a copy, so
// later changes to the Python object do not change what was indexed).
IndexItem array_item(py::handle h, size_t pos) {
  py::module_ np = py::module_::import("numpy");
  py::array a;
  try {
    a = np.attr("asarray")(h);
  } catch (const py::error_already_set& e) {  // ragged nested lists
    if (!e.matches(PyExc_ValueError)) throw;
    throw TypeError(str("index item ", pos, ": a ", type_name(h), " used as an index must be rectangular, got ",
                        py::repr(h).cast<std::string>()));
  }
  const char kind = a.dtype().kind();
  if (kind == 'O')
    throw TypeError(str("index item ", pos, ": a ", type_name(h), " used as an index must hold only ints or only "
                        "bools (rectangular), got ", py::repr(h).cast<std::string>()));
  if (kind == 'b') {
    a = a.attr("astype")(np.attr("bool_"));
  } else if (kind == 'i' || kind == 'u' || a.size() == 0) {  // [] is an empty int index, as in NumPy
    a = a.attr("astype")(np.attr("int64"));
    if (a.ndim() == 0) return IndexItem::integer(a.attr("item")().cast<int64_t>());
  } else {
    throw IndexError(str("index item ", pos, ": arrays used as indices must be of integer or boolean type, got ",
                         py::str(a.dtype()).cast<std::string>()));
  }
  return IndexItem::tensor_index(tensor_from_numpy(a));
}

IndexItem parse_item(py::handle h, size_t pos) {
  PyObject* o = h.ptr();
  if (PyLong_Check(o)) {
    if (PyBool_Check(o))
      throw IndexError(str("index item ", pos, ": indexing with a Python bool (x[True]) is not supported; use "
                           "x[None] to add a dim, or a bool tensor as a mask"));
    return IndexItem::integer(to_int64(o));
  }
  if (PySlice_Check(o)) return slice_item(o);
  if (o == Py_None) return IndexItem::none();
  if (o == Py_Ellipsis) return IndexItem::ellipsis();
  if (py::isinstance<Tensor>(h)) return IndexItem::tensor_index(h.cast<Tensor>());
  if (PyList_Check(o) || PyTuple_Check(o) || py::isinstance<py::array>(h)) return array_item(h, pos);
  if (py::isinstance(h, py::module_::import("numpy").attr("bool_")))
    throw IndexError(str("index item ", pos, ": indexing with a bool scalar is not supported; use a bool tensor mask"));
  if (PyIndex_Check(o)) {  // NumPy integers and other objects with __index__
    py::object i = py::reinterpret_steal<py::object>(PyNumber_Index(o));
    if (!i) throw py::error_already_set();
    return IndexItem::integer(to_int64(i.ptr()));
  }
  throw TypeError(str("only integers, slices (`:`), ellipsis (`...`), None, int64 or bool tensors, and lists or "
                      "arrays of ints or bools are valid indices (got ", type_name(h), " at index item ", pos, ")"));
}

std::vector<IndexItem> parse_items(py::handle idx) {
  std::vector<IndexItem> items;
  if (PyTuple_Check(idx.ptr())) {
    const Py_ssize_t n = PyTuple_GET_SIZE(idx.ptr());
    items.reserve(n);
    for (Py_ssize_t i = 0; i < n; ++i) items.push_back(parse_item(PyTuple_GET_ITEM(idx.ptr(), i), i));
  } else {
    items.push_back(parse_item(idx, 0));
  }
  return items;
}

Tensor getitem(const Tensor& x, py::handle idx) {
  PyObject* o = idx.ptr();
  if (x.dim() > 0) {  // the common cases, without building an item list
    if (PyLong_CheckExact(o)) return select(x, 0, to_int64(o));
    if (PySlice_Check(o)) {
      const IndexItem it = slice_item(o);
      return slice(x, 0, it.start, it.stop, it.step);
    }
  }
  return index(x, parse_items(idx));
}

// The right-hand side of x[...] = value: a Tensor, a number, or a list / array of numbers.
Tensor value_tensor(py::handle h, const Tensor& x) {
  if (auto t = as_operand(h, x)) return *t;  // a Tensor or a number
  if (PyList_Check(h.ptr()) || PyTuple_Check(h.ptr()) || py::isinstance<py::array>(h)) {
    py::module_ np = py::module_::import("numpy");
    py::array a = np.attr("asarray")(h);
    const char kind = a.dtype().kind();
    const char* to = kind == 'b' ? "bool_" : (kind == 'i' || kind == 'u') ? "int64" : kind == 'f' ? "float64" : nullptr;
    if (!to)
      throw TypeError(str("can't assign a ", type_name(h), " of NumPy dtype ", py::str(a.dtype()).cast<std::string>(),
                          " to a tensor"));
    return tensor_from_numpy(a.attr("astype")(np.attr(to)));
  }
  throw TypeError(str("can't assign a ", type_name(h), " to a tensor: expected a Tensor, a number, or a list or "
                      "array of numbers"));
}

void check_same_dtype(const Tensor& x, const Tensor& src, const char* op) {
  MINIDL_CHECK(x.dtype() == src.dtype(), TypeError, op, "(): expected ", dtype_name(x.dtype()),
               " source to match the input, got ", dtype_name(src.dtype()));
}

// PyTorch's x.index_add(dim, index, source, alpha) = x + alpha * (source summed into x's shape at index)
Tensor index_add_to(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source, double alpha) {
  check_same_dtype(x, source, "index_add");
  Tensor added = index_add(x.shape(), dim, index, source);
  // A whole-number alpha keeps an integer tensor integer (as a Python int would).
  if (alpha != 1.0) added = mul(added, scalar_like(alpha, alpha != std::floor(alpha), false, added));
  return add(x, added);
}

// PyTorch's x.scatter_add(dim, index, src) = x + src scattered at index; src may be larger
// than index (only its leading part, index's shape, is used).
Tensor scatter_add_to(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  check_same_dtype(x, src, "scatter_add");
  MINIDL_CHECK(src.dim() == index.dim(), ValueError, "scatter_add(): index ", shape_str(index.shape()),
               " and src ", shape_str(src.shape()), " must have the same number of dimensions");
  Tensor s = src;
  for (int64_t k = 0; k < index.dim(); ++k) {
    MINIDL_CHECK(index.shape()[k] <= src.shape()[k], ValueError, "scatter_add(): expected index ",
                 shape_str(index.shape()), " to be no larger than src ", shape_str(src.shape()), " in dimension ", k);
    if (index.shape()[k] < src.shape()[k]) s = slice(s, k, 0, index.shape()[k], 1);
  }
  return add(x, scatter_add(x.shape(), dim, index, s));
}

py::object nonzero_any(const Tensor& x, bool as_tuple) {
  Tensor nz = nonzero(x);
  if (!as_tuple) return py::cast(nz);
  py::tuple out(x.dim());
  for (int64_t j = 0; j < x.dim(); ++j) out[j] = py::cast(contiguous(select(nz, 1, j)));
  return out;
}

}  // namespace

void bind_index(py::module_& m) {
  auto& c = tensor_class();
  c.def("__getitem__", &getitem,
        "x[i], x[a:b:step], x[None], x[...], x[int_tensor], x[bool_mask] and tuples of those, with NumPy's rules. "
        "Without tensor indices the result is a view.")
      .def("__setitem__", [](Tensor& x, py::handle idx, py::handle value) {
             index_put_(x, parse_items(idx), value_tensor(value, x));
           }, "x[...] = value, in place; value (a tensor or a number) is broadcast to the indexed shape and cast "
              "to x's dtype.")
      .def("index_select", [](const Tensor& x, int64_t dim, const Tensor& index) { return index_select(x, dim, index); },
           py::arg("dim"), py::arg("index"), "Entries index[j] along dim (1-D int64 index); repeats allowed.")
      .def("gather", [](const Tensor& x, int64_t dim, const Tensor& index) { return gather(x, dim, index); },
           py::arg("dim"), py::arg("index"), "y[i][j][k] = x[i][index[i][j][k]][k] for dim=1.")
      .def("nonzero", &nonzero_any, py::kw_only(), py::arg("as_tuple") = false)
      .def("index_add", &index_add_to, py::arg("dim"), py::arg("index"), py::arg("source"), py::kw_only(),
           py::arg("alpha") = 1.0)
      .def("scatter_add", &scatter_add_to, py::arg("dim"), py::arg("index"), py::arg("src"));

  m.def("index_select", [](const Tensor& x, int64_t dim, const Tensor& index) { return index_select(x, dim, index); },
        py::arg("input"), py::arg("dim"), py::arg("index"),
        "y = x with dim replaced by x's entries index[0], index[1], ...;  dx = index_add of g (repeats sum).");
  m.def("gather", [](const Tensor& x, int64_t dim, const Tensor& index) { return gather(x, dim, index); },
        py::arg("input"), py::arg("dim"), py::arg("index"),
        "y[i][j][k] = x[i][index[i][j][k]][k] (dim=1);  dx = scatter_add of g (repeats sum).");
  m.def("nonzero", &nonzero_any, py::arg("input"), py::kw_only(), py::arg("as_tuple") = false,
        "(n, ndim) int64 coordinates of the non-zero elements in row-major order (a tuple of columns with "
        "as_tuple=True).");
  m.def("index_add", &index_add_to, py::arg("input"), py::arg("dim"), py::arg("index"), py::arg("source"),
        py::kw_only(), py::arg("alpha") = 1.0, "input + alpha * source added at index along dim (repeats sum).");
  m.def("scatter_add", &scatter_add_to, py::arg("input"), py::arg("dim"), py::arg("index"), py::arg("src"),
        "input with src[i][j][k] added at [i][index[i][j][k]][k] (dim=1; repeats sum).");
}

}  // namespace minidl::bind
