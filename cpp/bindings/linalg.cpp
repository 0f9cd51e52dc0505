// Placeholder: filled in by the linalg work.
#include "common.hpp"
namespace minidl::bind {
void bind_linalg(py::module_& m) {}
}  // namespace minidl::bind
