// Cooperative groups on the host (CUDA's <cooperative_groups.h>, HIP's
// <hip/hip_cooperative_groups.h>): the block, warp-level tiles of 1 to 32
// lanes (64 with 64-lane warps), coalesced groups, and `reduce` / scans.
//
// A block's `sync()` is the block barrier; a tile's operations are the warp
// operations of iree_host_warp.h restricted to the tile's lanes (its mask,
// and the tile size as the shuffle width), so they give what a GPU gives.
// Grid-wide sync (`this_grid().sync()`) needs a cooperative launch, which
// the host platform does not offer: it is not declared.
#ifndef IREE_HOST_COOPERATIVE_GROUPS_H_
#define IREE_HOST_COOPERATIVE_GROUPS_H_

#include "hip/hip_runtime.h"

namespace cooperative_groups {
namespace details {
/// The calling thread's linear index in its block.
__forceinline__ unsigned block_rank() { return ::iree_host::warp_tid(); }
__forceinline__ unsigned block_size() {
  return blockDim.x * blockDim.y * blockDim.z;
}
}  // namespace details

/// Any group: its size, the caller's rank in it, and a barrier over it.
/// The result of the dynamic `tiled_partition(parent, n)`.
class thread_group {
 public:
  __forceinline__ unsigned long long size() const { return size_; }
  __forceinline__ unsigned long long num_threads() const { return size_; }
  __forceinline__ unsigned long long thread_rank() const { return details::block_rank() % size_; }
  __forceinline__ void sync() const {
    if (size_ <= warpSize)
      __syncwarp(::iree_host::segment_mask(size_));
    else
      __syncthreads();
  }

 public:
  explicit thread_group(unsigned size) : size_(size) {}

 protected:
  unsigned size_;
};

/// The block: `sync()` is `__syncthreads()`.
class thread_block : public thread_group {
 public:
  __forceinline__ static void sync() { __syncthreads(); }
  __forceinline__ static unsigned long long thread_rank() { return details::block_rank(); }
  __forceinline__ static unsigned long long size() { return details::block_size(); }
  __forceinline__ static unsigned long long num_threads() { return details::block_size(); }
  __forceinline__ static dim3 group_index() { return dim3(blockIdx.x, blockIdx.y, blockIdx.z); }
  __forceinline__ static dim3 thread_index() {
    return dim3(threadIdx.x, threadIdx.y, threadIdx.z);
  }
  __forceinline__ static dim3 dim_threads() { return dim3(blockDim.x, blockDim.y, blockDim.z); }
  __forceinline__ static dim3 group_dim() { return dim_threads(); }

 public:
  thread_block() : thread_group(details::block_size()) {}
};

__forceinline__ thread_block this_thread_block() { return thread_block(); }
__forceinline__ void sync(const thread_block& g) { g.sync(); }

/// A tile of `N` consecutive threads (a power of two up to the warp size)
/// of `Parent` (the block, or a larger tile). Its lanes are a segment of one
/// warp, so every operation is a warp operation with the tile's mask.
template <unsigned N, typename Parent = void>
class thread_block_tile {
  static_assert(N >= 1 && N <= IREE_HOST_WARP_SIZE && (N & (N - 1)) == 0,
                "host tiles are warp-level: a power of two from 1 to warpSize lanes");

 public:
  /// A tile of a parent of `parent_size` threads (the parent's type is
  /// only a compile-time tag: every tile converts to `thread_block_tile<N>`).
  explicit thread_block_tile(unsigned parent_size) : parent_size_(parent_size) {}
  template <typename P>
  thread_block_tile(const thread_block_tile<N, P>& other) : parent_size_(other.parent_size_) {}
  static constexpr unsigned long long num_threads() { return N; }
  static constexpr unsigned long long size() { return N; }
  __forceinline__ unsigned long long thread_rank() const { return details::block_rank() % N; }
  /// Which tile of the parent this is, and how many the parent has.
  __forceinline__ unsigned long long meta_group_rank() const {
    return (details::block_rank() % parent_size()) / N;
  }
  __forceinline__ unsigned long long meta_group_size() const {
    return (parent_size() + N - 1) / N;
  }
  __forceinline__ void sync() const { __syncwarp(mask()); }
  template <typename T>
  __forceinline__ T shfl(T v, int src) const {
    return __shfl_sync(mask(), v, src, N);
  }
  template <typename T>
  __forceinline__ T shfl_up(T v, unsigned delta) const {
    return __shfl_up_sync(mask(), v, delta, N);
  }
  template <typename T>
  __forceinline__ T shfl_down(T v, unsigned delta) const {
    return __shfl_down_sync(mask(), v, delta, N);
  }
  template <typename T>
  __forceinline__ T shfl_xor(T v, unsigned lane_mask) const {
    return __shfl_xor_sync(mask(), v, int(lane_mask), N);
  }
  __forceinline__ int any(int p) const { return __any_sync(mask(), p); }
  __forceinline__ int all(int p) const { return __all_sync(mask(), p); }
  /// The votes of the tile's lanes, bit `i` for its rank `i`.
  __forceinline__ unsigned ballot(int p) const {
    return unsigned(__ballot_sync(mask(), p) >> first_lane());
  }
  template <typename T>
  __forceinline__ unsigned match_any(T v) const {
    return unsigned(__match_any_sync(mask(), v) >> first_lane());
  }
  template <typename T>
  __forceinline__ unsigned match_all(T v, int& pred) const {
    return unsigned(__match_all_sync(mask(), v, &pred) >> first_lane());
  }

 private:
  template <unsigned, typename>
  friend class thread_block_tile;
  unsigned parent_size_;
  __forceinline__ unsigned parent_size() const { return parent_size_; }
  __forceinline__ static unsigned first_lane() { return (details::block_rank() % warpSize) & ~(N - 1); }
  __forceinline__ static unsigned long long mask() { return ::iree_host::segment_mask(N); }
};

template <unsigned N, typename Parent>
__forceinline__ thread_block_tile<N, Parent> tiled_partition(const Parent& parent) {
  return thread_block_tile<N, Parent>(unsigned(parent.size()));
}
__forceinline__ thread_group tiled_partition(const thread_group& parent, unsigned tile_size) {
  (void)parent;
  return thread_group(tile_size);
}
template <unsigned N, typename Parent>
__forceinline__ void sync(const thread_block_tile<N, Parent>& g) {
  g.sync();
}

/// The lanes of the caller's warp active now (`__activemask()`), ranked in
/// lane order.
class coalesced_group {
 public:
  __forceinline__ unsigned long long size() const { return __popcll(mask_); }
  __forceinline__ unsigned long long num_threads() const { return size(); }
  __forceinline__ unsigned long long thread_rank() const {
    return __popcll(mask_ & ((1ull << lane()) - 1));
  }
  __forceinline__ void sync() const { __syncwarp(mask_); }
  __forceinline__ unsigned long long ballot(int p) const {
    return compact(__ballot_sync(mask_, p));
  }
  __forceinline__ int any(int p) const { return __any_sync(mask_, p); }
  __forceinline__ int all(int p) const { return __all_sync(mask_, p); }
  /// The value of the lane of rank `src`.
  template <typename T>
  __forceinline__ T shfl(T v, int src) const {
    return __shfl_sync(mask_, v, int(nth_lane(unsigned(src) % unsigned(size()))));
  }

  explicit coalesced_group(unsigned long long m) : mask_(m) {}

 private:
  __forceinline__ static unsigned lane() { return details::block_rank() % warpSize; }
  __forceinline__ unsigned nth_lane(unsigned k) const {
    unsigned long long m = mask_;
    for (unsigned i = 0; i < k; ++i) m &= m - 1;
    return unsigned(__builtin_ctzll(m));
  }
  /// Bits of lanes in the mask, packed into rank order.
  __forceinline__ unsigned long long compact(unsigned long long bits) const {
    unsigned long long out = 0;
    unsigned k = 0;
    for (unsigned long long m = mask_; m != 0; m &= m - 1, ++k)
      if (bits >> __builtin_ctzll(m) & 1) out |= 1ull << k;
    return out;
  }
  unsigned long long mask_;
};
__forceinline__ coalesced_group coalesced_threads() { return coalesced_group(__activemask()); }

// ---- reductions and scans -------------------------------------------------------
template <typename T = void>
struct plus {
  __forceinline__ T operator()(const T& a, const T& b) const { return a + b; }
};
template <typename T = void>
struct less {
  __forceinline__ T operator()(const T& a, const T& b) const { return b < a ? b : a; }
};
template <typename T = void>
struct greater {
  __forceinline__ T operator()(const T& a, const T& b) const { return a < b ? b : a; }
};
template <typename T = void>
struct bit_and {
  __forceinline__ T operator()(const T& a, const T& b) const { return a & b; }
};
template <typename T = void>
struct bit_or {
  __forceinline__ T operator()(const T& a, const T& b) const { return a | b; }
};
template <typename T = void>
struct bit_xor {
  __forceinline__ T operator()(const T& a, const T& b) const { return a ^ b; }
};

/// `op` over the tile's values, returned to every lane: a butterfly of
/// `shfl_xor`s, as a GPU's tile reduction combines them. For small values
/// and stateless operators (cg::plus, a lambda without captures) the host
/// computes the whole butterfly in one rendezvous of the tile's lanes
/// (iree_host::warp_reduce, the same results bit for bit), not one per
/// step.
template <unsigned N, typename Parent, typename T, typename Op>
__forceinline__ T reduce(const thread_block_tile<N, Parent>& g, T v, Op op) {
  if constexpr (sizeof(T) <= 8 && std::is_trivially_copyable_v<T> && std::is_empty_v<Op> &&
                std::is_default_constructible_v<Op>) {
    T r;
    if (::iree_host::warp_reduce<N, T, Op>(v, &r)) return r;
  }
  for (unsigned o = N / 2; o > 0; o /= 2) v = op(v, g.shfl_xor(v, o));
  return v;
}
/// `op` over the values of ranks 0 to the caller's (Hillis-Steele).
template <unsigned N, typename Parent, typename T, typename Op>
__forceinline__ T inclusive_scan(const thread_block_tile<N, Parent>& g, T v, Op op) {
  const unsigned r = unsigned(g.thread_rank());
  for (unsigned o = 1; o < N; o *= 2) {
    const T u = g.shfl_up(v, o);
    if (r >= o) v = op(u, v);
  }
  return v;
}
template <unsigned N, typename Parent, typename T>
__forceinline__ T inclusive_scan(const thread_block_tile<N, Parent>& g, T v) {
  return inclusive_scan(g, v, plus<T>());
}
/// `op` over the values of ranks before the caller's (rank 0 gets `T()`).
template <unsigned N, typename Parent, typename T, typename Op>
__forceinline__ T exclusive_scan(const thread_block_tile<N, Parent>& g, T v, Op op) {
  const T inc = inclusive_scan(g, v, op);
  const T prev = g.shfl_up(inc, 1);
  return g.thread_rank() == 0 ? T() : prev;
}
template <unsigned N, typename Parent, typename T>
__forceinline__ T exclusive_scan(const thread_block_tile<N, Parent>& g, T v) {
  return exclusive_scan(g, v, plus<T>());
}
}  // namespace cooperative_groups

#endif  // IREE_HOST_COOPERATIVE_GROUPS_H_
