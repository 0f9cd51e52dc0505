// Placeholder: filled in by the reduce work.
#include "common.hpp"
namespace minidl::bind {
void bind_reduce(py::module_& m) {}
}  // namespace minidl::bind
