// NumPy interop, zero-copy both ways.
//
// from_numpy(a): the tensor's Storage points into a's buffer and holds a reference to a.
// t.numpy(): an ndarray over the tensor's Storage (strides converted to bytes) whose base
// object keeps the Storage alive. NumPy arrays can have any non-negative strides, so no
// layout ever forces a copy; only a read-only source array is copied (writing through
// the tensor could otherwise crash).
#include "common.hpp"

namespace minidl::bind {

namespace {

DType dtype_from_numpy(const py::array& a) {
  // Shared memory is read as it is: big-endian data would be read as garbage.
  MINIDL_CHECK(a.dtype().attr("isnative").cast<bool>(), ValueError, "the NumPy array has dtype ",
               py::str(a.dtype()).cast<std::string>(), ", whose byte order is not the machine's; use "
               "a.astype(a.dtype.newbyteorder('=')) or minidl.tensor(a), which copies");
  const char kind = a.dtype().kind();
  const auto size = a.dtype().itemsize();
  if (kind == 'f' && size == 4) return DType::Float32;
  if (kind == 'f' && size == 8) return DType::Float64;
  if (kind == 'i' && size == 8) return DType::Int64;
  if (kind == 'b') return DType::Bool;
  throw TypeError(str("can't convert a NumPy array of dtype ", py::str(a.dtype()).cast<std::string>(),
                      "; minidl supports float32, float64, int64 and bool (use a.astype(...))"));
}

py::dtype numpy_dtype(DType d) {
  switch (d) {
    case DType::Float32: return py::dtype::of<float>();
    case DType::Float64: return py::dtype::of<double>();
    case DType::Int64: return py::dtype::of<int64_t>();
    case DType::Bool: return py::dtype::of<bool>();
  }
  throw TypeError("unknown dtype");
}

}  // namespace

Tensor tensor_from_numpy(py::array a) {
  const DType d = dtype_from_numpy(a);
  // Copy a read-only array first: the strides below must describe the memory we point at.
  if (!a.writeable()) a = py::array(a.attr("copy")());  // documented: read-only arrays are copied
  const auto item = static_cast<int64_t>(a.itemsize());
  Shape shape(a.shape(), a.shape() + a.ndim());
  Strides strides(a.ndim());
  for (py::ssize_t i = 0; i < a.ndim(); ++i) {
    MINIDL_CHECK(a.strides(i) >= 0, ValueError, "at least one stride in the given NumPy array is negative (",
                 a.strides(i), " bytes); pass a.copy() instead");
    MINIDL_CHECK(a.strides(i) % item == 0, ValueError, "NumPy array strides (", a.strides(i),
                 " bytes) are not a multiple of the element size (", item, " bytes)");
    strides[i] = a.strides(i) / item;
  }
  // Keep the array alive as long as the storage; drop it under the GIL.
  auto owner = std::shared_ptr<void>(new py::object(a), [](void* p) {
    py::gil_scoped_acquire gil;
    delete static_cast<py::object*>(p);
  });
  int64_t span = 1;
  for (size_t i = 0; i < shape.size(); ++i) span += (shape[i] - 1) * strides[i];
  auto storage = std::make_shared<Storage>(a.mutable_data(), static_cast<size_t>(std::max<int64_t>(span, 0)) * item, owner);
  return Tensor::make_view(storage, d, shape, strides, 0);
}

py::array tensor_to_numpy(const Tensor& t) {
  MINIDL_CHECK(!t.requires_grad(), Error,
               "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.");
  std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end());
  std::vector<py::ssize_t> strides;
  for (int64_t s : t.strides()) strides.push_back(s * static_cast<py::ssize_t>(itemsize(t.dtype())));
  // The capsule owns a reference to the storage: the memory lives as long as the array.
  auto* keep = new std::shared_ptr<Storage>(t.storage());
  py::capsule base(keep, [](void* p) { delete static_cast<std::shared_ptr<Storage>*>(p); });
  return py::array(numpy_dtype(t.dtype()), shape, strides, t.raw_data(), base);
}

void bind_numpy(py::module_& m) {
  m.def("from_numpy", &tensor_from_numpy, py::arg("ndarray"),
        "A tensor sharing memory with a NumPy array (float32, float64, int64 or bool). Writes through\n"
        "either are seen by the other. A read-only array is copied.");
  tensor_class()
      .def("numpy", &tensor_to_numpy,
           "A NumPy array sharing this tensor's memory (never a copy). Refused for a tensor that\n"
           "requires grad: call .detach().numpy().")
      .def("__array__", [](const Tensor& t, py::object dtype, py::object copy) -> py::object {
            py::object a = tensor_to_numpy(t);
            if (!dtype.is_none()) a = a.attr("astype")(dtype);
            else if (!copy.is_none() && copy.cast<bool>()) a = a.attr("copy")();
            return a;
          }, py::arg("dtype") = py::none(), py::arg("copy") = py::none());
}

}  // namespace minidl::bind
