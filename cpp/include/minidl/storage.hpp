// Storage: a reference-counted block of memory that views share, with the version
// counter autograd uses to detect in-place modification of saved tensors.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace minidl {

class Storage {
 public:
  // Fresh memory, 64-byte aligned (SIMD and BLAS like aligned rows); not zeroed.
  explicit Storage(size_t nbytes);
  // Memory owned by someone else (a NumPy array); `owner` keeps it alive.
  Storage(void* data, size_t nbytes, std::shared_ptr<void> owner);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }

  // Every in-place write bumps the version; a saved tensor remembers the version it saw.
  uint64_t version() const { return version_.load(std::memory_order_relaxed); }
  void bump_version() { version_.fetch_add(1, std::memory_order_relaxed); }

  // Live storages, for leak tests.
  static int64_t live_count();

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  std::shared_ptr<void> owner_;  // null when we allocated data_ ourselves
  std::atomic<uint64_t> version_{0};
};

}  // namespace minidl
