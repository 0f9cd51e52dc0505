// minidl._C._debug: what the reliability tests look at from outside. The counters are atomics
// bumped in the constructors and destructors of TensorImpl, Storage and Node; a leak test
// compares them before and after its work.
#include "common.hpp"
#include "minidl/buffer_cache.hpp"

namespace minidl::bind {

namespace {
py::list sanitizers() {
  py::list out;
#if defined(__SANITIZE_ADDRESS__)
  out.append("address");
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  out.append("address");
#endif
#endif
#if defined(MINIDL_SANITIZE)
  out.append("undefined");
#endif
  return out;
}
}  // namespace

void bind_debug(py::module_& d) {
  d.def("live_tensor_impls", &TensorImpl::live_count, "TensorImpls alive now (tensors and views).");
  d.def("live_storages", &Storage::live_count, "Storages (blocks of tensor memory) alive now.");
  d.def("live_nodes", &Node::live_count, "Autograd graph Nodes alive now (grad_fn and AccumulateGrad).");
  d.def("buffer_cache", [] {
        const auto s = buffer_cache::stats();
        return py::dict(py::arg("blocks") = s.cached_blocks, py::arg("bytes") = s.cached_bytes,
                        py::arg("hits") = s.hits, py::arg("misses") = s.misses, py::arg("sizes") = s.sizes);
      }, "The cache of freed tensor buffers (storage.cpp): blocks and bytes held, hits and misses.");
  d.def("empty_buffer_cache", &buffer_cache::empty, "Frees every buffer the cache holds.");
  d.def("sanitizers", &sanitizers, "The sanitizers this build of the extension runs under: 'address', 'undefined'.");
}

}  // namespace minidl::bind
