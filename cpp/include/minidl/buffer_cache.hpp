// A cache of freed tensor buffers, reused by the next tensor of the same size.
//
// Training allocates the same sizes every step (activations, gradients, temporaries). Blocks
// above glibc's per-thread cache (about 1 KiB) go through its bins, splitting and merging free
// chunks: measured at ~15% of a small MLP's training step. Keeping freed blocks in per-size
// lists turns most of those calls into a lookup.
#pragma once
#include <cstddef>
#include <cstdint>

namespace minidl::buffer_cache {

// A block of at least `nbytes` bytes, 64-byte aligned; nullptr when out of memory.
void* allocate(size_t nbytes);
// Gives back a block from allocate(ptr, the same nbytes); it may be kept for reuse.
void release(void* ptr, size_t nbytes);

// Frees every cached block (the memory goes back to malloc).
void empty();

struct Stats {
  int64_t cached_blocks;
  int64_t cached_bytes;
  int64_t hits;    // allocations served from the cache
  int64_t misses;  // allocations that went to malloc
  int64_t sizes;   // block sizes listed (some lists may be empty)
};
Stats stats();

}  // namespace minidl::buffer_cache
