// Placeholder: filled in by the index work.
#include "common.hpp"
namespace minidl::bind {
void bind_index(py::module_& m) {}
}  // namespace minidl::bind
