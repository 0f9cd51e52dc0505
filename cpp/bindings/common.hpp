// Shared by the binding files: argument conversion from Python (numbers, dtypes,
// shapes, dims) and the registration functions each file defines.
// Bindings stay thin: no logic a C++ user of the engine would miss.
#pragma once
#include <optional>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "minidl/minidl.hpp"

namespace py = pybind11;

namespace minidl::bind {

// A Python number (bool, int, float) as a "wrapped number" 0-d tensor typed against `like`;
// a Tensor as itself. Empty optional for anything else (the caller returns NotImplemented).
std::optional<Tensor> as_operand(py::handle h, const Tensor& like);
// Like as_operand, but raises TypeError naming `what` for anything that is not usable.
Tensor to_operand(py::handle h, const Tensor& like, const char* what);

// NumPy array -> Tensor sharing its memory (numpy.cpp).
Tensor tensor_from_numpy(py::array a);

// minidl.float32 / numpy dtypes / "float32" / Python float, int, bool -> DType.
DType parse_dtype(py::handle h);
// zeros(2, 3), zeros((2, 3)), zeros([2, 3]) -> {2, 3}
Shape parse_shape(const py::args& args, const char* fn);
Shape parse_shape_obj(py::handle h, const char* fn);
// dim=None -> {}, dim=1 -> {1}, dim=(0, 2) -> {0, 2}
std::vector<int64_t> parse_dims(py::handle h);

// The registration functions, one per binding file.
void bind_tensor(py::module_& m);
void bind_numpy(py::module_& m);
void bind_elementwise(py::module_& m);
void bind_autograd(py::module_& m);
void bind_creation(py::module_& m);
void bind_reduce(py::module_& m);
void bind_shape(py::module_& m);
void bind_index(py::module_& m);
void bind_linalg(py::module_& m);
// minidl._C._nn: the kernels behind minidl.nn.functional
void bind_nn_layers(py::module_& nn);
void bind_nn_losses(py::module_& nn);
void bind_optim(py::module_& optim);
// minidl._C._debug: allocation counters and build facts for the reliability tests
void bind_debug(py::module_& debug);

// Kernels on big tensors run without the GIL, so other Python threads keep going.
// Small ones keep it: releasing and re-taking it costs more than the work.
struct MaybeRelease {
  std::optional<py::gil_scoped_release> r;
  explicit MaybeRelease(int64_t numel) { if (numel >= 16384) r.emplace(); }
};

// The bound Tensor class, for binding files that add methods to it.
py::class_<Tensor>& tensor_class();

}  // namespace minidl::bind
