#include "minidl/storage.hpp"

#include "minidl/buffer_cache.hpp"
#include "minidl/error.hpp"

namespace minidl {

namespace {
std::atomic<int64_t> g_live_storages{0};
}  // namespace

Storage::Storage(size_t nbytes) : nbytes_(nbytes) {
  data_ = buffer_cache::allocate(nbytes);  // 64-byte aligned, often a block freed a moment ago
  if (!data_) throw Error(str("out of memory: could not allocate ", nbytes, " bytes for a tensor"));
  g_live_storages.fetch_add(1, std::memory_order_relaxed);
}

Storage::Storage(void* data, size_t nbytes, std::shared_ptr<void> owner)
    : data_(data), nbytes_(nbytes), owner_(std::move(owner)) {
  g_live_storages.fetch_add(1, std::memory_order_relaxed);
}

Storage::~Storage() {
  if (!owner_) buffer_cache::release(data_, nbytes_);
  g_live_storages.fetch_sub(1, std::memory_order_relaxed);
}

int64_t Storage::live_count() { return g_live_storages.load(); }

}  // namespace minidl
