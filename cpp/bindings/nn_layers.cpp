// minidl._C._nn: layers (filled in by the nn layers work).
#include "common.hpp"
namespace minidl::bind {
void bind_nn_layers(py::module_& nn) {}
}  // namespace minidl::bind
