#include "minidl/buffer_cache.hpp"

#include <cstdlib>
#include <iterator>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace minidl::buffer_cache {

namespace {

constexpr size_t kAlignment = 64;                 // SIMD and BLAS like aligned rows
constexpr size_t kMaxBlock = size_t(16) << 20;    // larger blocks go straight back to malloc
constexpr size_t kMaxTotal = size_t(64) << 20;    // bound on the memory the cache holds
constexpr size_t kMaxPerSize = 32;                // bound on the blocks of one size
constexpr size_t kMaxSizes = 1024;                // sizes listed before empty lists are dropped

// aligned_alloc wants a multiple of the alignment; never ask for 0 bytes.
size_t padded(size_t nbytes) {
  const size_t p = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  return p == 0 ? kAlignment : p;
}

struct Cache {
  std::mutex mu;  // storages die on whichever thread drops the last reference
  std::unordered_map<size_t, std::vector<void*>> free_blocks;  // padded size -> blocks
  size_t total = 0;
  int64_t blocks = 0, hits = 0, misses = 0;
  // Sanitizer builds bypass the cache: a reused block would hide a use-after-free from ASan.
  // MINIDL_BUFFER_CACHE=0 does the same at run time (valgrind, allocation debugging).
#if defined(MINIDL_SANITIZE)
  const bool enabled = false;
#else
  const bool enabled = [] {
    const char* v = std::getenv("MINIDL_BUFFER_CACHE");
    return !(v && v[0] == '0');
  }();
#endif
};

// Never destroyed: storages may still be freed while static objects are torn down at exit.
Cache& cache() {
  static Cache* c = new Cache;
  return *c;
}

}  // namespace

void* allocate(size_t nbytes) {
  const size_t size = padded(nbytes);
  Cache& c = cache();
  if (c.enabled && size <= kMaxBlock) {
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.free_blocks.find(size);
    if (it != c.free_blocks.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.total -= size;
      --c.blocks;
      ++c.hits;
      return p;
    }
    ++c.misses;
  }
  return std::aligned_alloc(kAlignment, size);
}

void release(void* ptr, size_t nbytes) {
  if (!ptr) return;
  const size_t size = padded(nbytes);
  Cache& c = cache();
  if (c.enabled && size <= kMaxBlock) {
    std::lock_guard<std::mutex> lock(c.mu);
    if (c.total + size <= kMaxTotal) {
      if (c.free_blocks.size() >= kMaxSizes && !c.free_blocks.count(size)) {
        // Empty lists stay (a training step frees and takes the same sizes again), but not
        // without bound: varying shapes would leave one behind for every size ever freed.
        for (auto it = c.free_blocks.begin(); it != c.free_blocks.end();)
          it = it->second.empty() ? c.free_blocks.erase(it) : std::next(it);
      }
      auto& list = c.free_blocks[size];
      if (list.size() < kMaxPerSize) {
        list.push_back(ptr);
        c.total += size;
        ++c.blocks;
        return;
      }
    }
  }
  std::free(ptr);
}

void empty() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  for (auto& [size, list] : c.free_blocks)
    for (void* p : list) std::free(p);
  c.free_blocks.clear();
  c.total = 0;
  c.blocks = 0;
}

Stats stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return {c.blocks, static_cast<int64_t>(c.total), c.hits, c.misses, static_cast<int64_t>(c.free_blocks.size())};
}

}  // namespace minidl::buffer_cache
