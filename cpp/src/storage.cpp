#include "minidl/storage.hpp"

#include <cstdlib>
#include <new>

#include "minidl/error.hpp"

namespace minidl {

namespace {
std::atomic<int64_t> g_live_storages{0};
constexpr size_t kAlignment = 64;
}  // namespace

Storage::Storage(size_t nbytes) : nbytes_(nbytes) {
  // aligned_alloc wants a size that is a multiple of the alignment; never ask for 0 bytes.
  const size_t padded = ((nbytes + kAlignment - 1) / kAlignment) * kAlignment;
  data_ = std::aligned_alloc(kAlignment, padded == 0 ? kAlignment : padded);
  if (!data_) throw Error(str("out of memory: could not allocate ", nbytes, " bytes for a tensor"));
  g_live_storages.fetch_add(1, std::memory_order_relaxed);
}

Storage::Storage(void* data, size_t nbytes, std::shared_ptr<void> owner)
    : data_(data), nbytes_(nbytes), owner_(std::move(owner)) {
  g_live_storages.fetch_add(1, std::memory_order_relaxed);
}

Storage::~Storage() {
  if (!owner_) std::free(data_);
  g_live_storages.fetch_sub(1, std::memory_order_relaxed);
}

int64_t Storage::live_count() { return g_live_storages.load(); }

}  // namespace minidl
