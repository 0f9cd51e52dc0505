// The `minidl._C` extension module: registration and exception mapping.
#include "common.hpp"

PYBIND11_MODULE(_C, m) {
  using namespace minidl::bind;
  m.doc() = "minidl's C++ engine: tensors, autograd and ops";

  // One mapping from minidl's exceptions to Python's (most derived first).
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const minidl::ValueError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const minidl::TypeError& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const minidl::IndexError& e) {
      PyErr_SetString(PyExc_IndexError, e.what());
    } catch (const minidl::Error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });

  bind_tensor(m);  // first: the others add methods to the Tensor class
  bind_numpy(m);
  bind_elementwise(m);
  bind_autograd(m);
  bind_creation(m);
  bind_reduce(m);
  bind_shape(m);
  bind_index(m);
  bind_linalg(m);
  py::module_ nn = m.def_submodule("_nn", "kernels behind minidl.nn.functional");
  bind_nn_layers(nn);
  bind_nn_losses(nn);
  py::module_ optim = m.def_submodule("_optim", "the fused update rules behind minidl.optim");
  bind_optim(optim);
  py::module_ debug = m.def_submodule("_debug", "allocation counters and build facts, for tests");
  bind_debug(debug);
}
