// Placeholder: filled in by the shape work.
#include "common.hpp"
namespace minidl::bind {
void bind_shape(py::module_& m) {}
}  // namespace minidl::bind
