// minidl._C._nn: losses (filled in by the nn losses work).
#include "common.hpp"
namespace minidl::bind {
void bind_nn_losses(py::module_& nn) {}
}  // namespace minidl::bind
