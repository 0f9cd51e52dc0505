// Matrix products: a @ b, matmul, mm, bmm, dot (functions and methods).
// The GIL is released during the product so other Python threads keep running.
#include "common.hpp"

namespace minidl::bind {

namespace {

using ProductFn = Tensor (*)(const Tensor&, const Tensor&);

template <ProductFn F>
Tensor without_gil(const Tensor& a, const Tensor& b) {
  py::gil_scoped_release release;
  return F(a, b);
}

// `a @ other`: anything but a Tensor gives NotImplemented, and Python raises its TypeError.
py::object matmul_operator(const Tensor& a, py::handle other, bool reflected) {
  if (!py::isinstance<Tensor>(other)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
  const Tensor b = other.cast<Tensor>();
  return py::cast(reflected ? without_gil<matmul>(b, a) : without_gil<matmul>(a, b));
}

}  // namespace

void bind_linalg(py::module_& m) {
  auto& c = tensor_class();
  c.def("__matmul__", [](const Tensor& a, py::handle o) { return matmul_operator(a, o, false); }, py::is_operator())
      .def("__rmatmul__", [](const Tensor& a, py::handle o) { return matmul_operator(a, o, true); }, py::is_operator())
      .def("matmul", &without_gil<matmul>, py::arg("other"))
      .def("mm", &without_gil<mm>, py::arg("mat2"))
      .def("bmm", &without_gil<bmm>, py::arg("mat2"))
      .def("dot", &without_gil<dot>, py::arg("other"));

  m.def("matmul", &without_gil<matmul>, py::arg("input"), py::arg("other"),
        "Matrix product with NumPy's rules: 1-D x 1-D is a dot product, 1-D operands are promoted to a\n"
        "row (left) or column (right) and that dim removed from the result, batch dims broadcast.\n"
        "y = a @ b;  da = g @ b^T,  db = a^T @ g");
  m.def("mm", &without_gil<mm>, py::arg("input"), py::arg("mat2"),
        "Product of two 2-D matrices (no broadcasting). y = a @ b;  da = g @ b^T,  db = a^T @ g");
  m.def("bmm", &without_gil<bmm>, py::arg("input"), py::arg("mat2"),
        "Batched product of two 3-D tensors (b, n, m) @ (b, m, p) -> (b, n, p); batch sizes must match.");
  m.def("dot", &without_gil<dot>, py::arg("input"), py::arg("other"),
        "Dot product of two 1-D tensors of the same length: y = sum_i a_i b_i;  da = g b,  db = g a");
}

}  // namespace minidl::bind
