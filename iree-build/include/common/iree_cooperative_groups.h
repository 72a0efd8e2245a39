// Cooperative groups (CUDA's <cooperative_groups.h>, HIP's
// <hip/hip_cooperative_groups.h>) for every target iree-build compiles that
// has no complete implementation of its own: the host, and AMD `gfx*`, where
// Debian's HIP 5.2 tiles lack `any`, `all`, `ballot`, `meta_group_size`,
// `meta_group_rank` and `cg::reduce` (this replaces HIP's header there). The
// block, warp-level tiles of 1 to 32 lanes (64 with 64-lane warps),
// coalesced groups, and `reduce` / scans.
//
// A block's `sync()` is the block barrier; a tile's operations are the
// platform's warp functions (`__shfl_*_sync`, `__ballot_sync`, ...)
// restricted to the tile's lanes (its mask, and the tile size as the
// shuffle width), so they give what a GPU gives. Grid-wide sync
// (`this_grid().sync()`) needs a cooperative launch, which neither platform
// offers here: it is not declared.
//
// The including platform header provides, before including this one:
//   * `IREE_CG_MAX_TILE`: the largest tile (its warp size);
//   * `unsigned ::iree_cg::block_rank()`: the caller's linear index in its block;
//   * `unsigned long long ::iree_cg::segment_mask(unsigned n)`: the lanes of
//     the caller's aligned segment of `n` lanes of its warp;
//   * the warp functions, `__syncthreads`, `__popcll` and the built-in variables.
#ifndef IREE_COOPERATIVE_GROUPS_H_
#define IREE_COOPERATIVE_GROUPS_H_

#define IREE_CG_FN __device__ __forceinline__

namespace cooperative_groups {
namespace details {
/// The calling thread's linear index in its block.
IREE_CG_FN unsigned block_rank() { return ::iree_cg::block_rank(); }
IREE_CG_FN unsigned block_size() {
  return blockDim.x * blockDim.y * blockDim.z;
}
}  // namespace details

/// Any group: its size, the caller's rank in it, and a barrier over it.
/// The result of the dynamic `tiled_partition(parent, n)`.
class thread_group {
 public:
  IREE_CG_FN unsigned long long size() const { return size_; }
  IREE_CG_FN unsigned long long num_threads() const { return size_; }
  IREE_CG_FN unsigned long long thread_rank() const { return details::block_rank() % size_; }
  IREE_CG_FN void sync() const {
    if (size_ <= warpSize)
      __syncwarp(::iree_cg::segment_mask(size_));
    else
      __syncthreads();
  }

 public:
  IREE_CG_FN explicit thread_group(unsigned size) : size_(size) {}

 protected:
  unsigned size_;
};

/// The block: `sync()` is `__syncthreads()`.
class thread_block : public thread_group {
 public:
  IREE_CG_FN static void sync() { __syncthreads(); }
  IREE_CG_FN static unsigned long long thread_rank() { return details::block_rank(); }
  IREE_CG_FN static unsigned long long size() { return details::block_size(); }
  IREE_CG_FN static unsigned long long num_threads() { return details::block_size(); }
  IREE_CG_FN static dim3 group_index() { return dim3(blockIdx.x, blockIdx.y, blockIdx.z); }
  IREE_CG_FN static dim3 thread_index() {
    return dim3(threadIdx.x, threadIdx.y, threadIdx.z);
  }
  IREE_CG_FN static dim3 dim_threads() { return dim3(blockDim.x, blockDim.y, blockDim.z); }
  IREE_CG_FN static dim3 group_dim() { return dim_threads(); }

 public:
  IREE_CG_FN thread_block() : thread_group(details::block_size()) {}
};

IREE_CG_FN thread_block this_thread_block() { return thread_block(); }
IREE_CG_FN void sync(const thread_block& g) { g.sync(); }

/// A tile of `N` consecutive threads (a power of two up to the warp size)
/// of `Parent` (the block, or a larger tile). Its lanes are a segment of one
/// warp, so every operation is a warp operation with the tile's mask.
template <unsigned N, typename Parent = void>
class thread_block_tile {
  static_assert(N >= 1 && N <= IREE_CG_MAX_TILE && (N & (N - 1)) == 0,
                "host tiles are warp-level: a power of two from 1 to warpSize lanes");

 public:
  /// A tile of a parent of `parent_size` threads (the parent's type is
  /// only a compile-time tag: every tile converts to `thread_block_tile<N>`).
  IREE_CG_FN explicit thread_block_tile(unsigned parent_size) : parent_size_(parent_size) {}
  template <typename P>
  IREE_CG_FN thread_block_tile(const thread_block_tile<N, P>& other) : parent_size_(other.parent_size_) {}
  __device__ static constexpr unsigned long long num_threads() { return N; }
  __device__ static constexpr unsigned long long size() { return N; }
  IREE_CG_FN unsigned long long thread_rank() const { return details::block_rank() % N; }
  /// Which tile of the parent this is, and how many the parent has.
  IREE_CG_FN unsigned long long meta_group_rank() const {
    return (details::block_rank() % parent_size()) / N;
  }
  IREE_CG_FN unsigned long long meta_group_size() const {
    return (parent_size() + N - 1) / N;
  }
  IREE_CG_FN void sync() const { __syncwarp(mask()); }
  template <typename T>
  IREE_CG_FN T shfl(T v, int src) const {
    return __shfl_sync(mask(), v, src, N);
  }
  template <typename T>
  IREE_CG_FN T shfl_up(T v, unsigned delta) const {
    return __shfl_up_sync(mask(), v, delta, N);
  }
  template <typename T>
  IREE_CG_FN T shfl_down(T v, unsigned delta) const {
    return __shfl_down_sync(mask(), v, delta, N);
  }
  template <typename T>
  IREE_CG_FN T shfl_xor(T v, unsigned lane_mask) const {
    return __shfl_xor_sync(mask(), v, int(lane_mask), N);
  }
  IREE_CG_FN int any(int p) const { return __any_sync(mask(), p); }
  IREE_CG_FN int all(int p) const { return __all_sync(mask(), p); }
  /// The votes of the tile's lanes, bit `i` for its rank `i`.
  IREE_CG_FN unsigned ballot(int p) const {
    return unsigned(__ballot_sync(mask(), p) >> first_lane());
  }
  template <typename T>
  IREE_CG_FN unsigned match_any(T v) const {
    return unsigned(__match_any_sync(mask(), v) >> first_lane());
  }
  template <typename T>
  IREE_CG_FN unsigned match_all(T v, int& pred) const {
    return unsigned(__match_all_sync(mask(), v, &pred) >> first_lane());
  }

 private:
  template <unsigned, typename>
  friend class thread_block_tile;
  unsigned parent_size_;
  IREE_CG_FN unsigned parent_size() const { return parent_size_; }
  IREE_CG_FN static unsigned first_lane() { return (details::block_rank() % warpSize) & ~(N - 1); }
  IREE_CG_FN static unsigned long long mask() { return ::iree_cg::segment_mask(N); }
};

template <unsigned N, typename Parent>
IREE_CG_FN thread_block_tile<N, Parent> tiled_partition(const Parent& parent) {
  return thread_block_tile<N, Parent>(unsigned(parent.size()));
}
IREE_CG_FN thread_group tiled_partition(const thread_group& parent, unsigned tile_size) {
  (void)parent;
  return thread_group(tile_size);
}
template <unsigned N, typename Parent>
IREE_CG_FN void sync(const thread_block_tile<N, Parent>& g) {
  g.sync();
}

/// The lanes of the caller's warp active now (`__activemask()`), ranked in
/// lane order.
class coalesced_group {
 public:
  IREE_CG_FN unsigned long long size() const { return __popcll(mask_); }
  IREE_CG_FN unsigned long long num_threads() const { return size(); }
  IREE_CG_FN unsigned long long thread_rank() const {
    return __popcll(mask_ & ((1ull << lane()) - 1));
  }
  IREE_CG_FN void sync() const { __syncwarp(mask_); }
  IREE_CG_FN unsigned long long ballot(int p) const {
    return compact(__ballot_sync(mask_, p));
  }
  IREE_CG_FN int any(int p) const { return __any_sync(mask_, p); }
  IREE_CG_FN int all(int p) const { return __all_sync(mask_, p); }
  /// The value of the lane of rank `src`.
  template <typename T>
  IREE_CG_FN T shfl(T v, int src) const {
    return __shfl_sync(mask_, v, int(nth_lane(unsigned(src) % unsigned(size()))));
  }

  IREE_CG_FN explicit coalesced_group(unsigned long long m) : mask_(m) {}

 private:
  IREE_CG_FN static unsigned lane() { return details::block_rank() % warpSize; }
  IREE_CG_FN unsigned nth_lane(unsigned k) const {
    unsigned long long m = mask_;
    for (unsigned i = 0; i < k; ++i) m &= m - 1;
    return unsigned(__builtin_ctzll(m));
  }
  /// Bits of lanes in the mask, packed into rank order.
  IREE_CG_FN unsigned long long compact(unsigned long long bits) const {
    unsigned long long out = 0;
    unsigned k = 0;
    for (unsigned long long m = mask_; m != 0; m &= m - 1, ++k)
      if (bits >> __builtin_ctzll(m) & 1) out |= 1ull << k;
    return out;
  }
  unsigned long long mask_;
};
IREE_CG_FN coalesced_group coalesced_threads() { return coalesced_group(__activemask()); }

// ---- reductions and scans -------------------------------------------------------
template <typename T = void>
struct plus {
  IREE_CG_FN T operator()(const T& a, const T& b) const { return a + b; }
};
template <typename T = void>
struct less {
  IREE_CG_FN T operator()(const T& a, const T& b) const { return b < a ? b : a; }
};
template <typename T = void>
struct greater {
  IREE_CG_FN T operator()(const T& a, const T& b) const { return a < b ? b : a; }
};
template <typename T = void>
struct bit_and {
  IREE_CG_FN T operator()(const T& a, const T& b) const { return a & b; }
};
template <typename T = void>
struct bit_or {
  IREE_CG_FN T operator()(const T& a, const T& b) const { return a | b; }
};
template <typename T = void>
struct bit_xor {
  IREE_CG_FN T operator()(const T& a, const T& b) const { return a ^ b; }
};

/// `op` over the tile's values, returned to every lane: a butterfly of
/// `shfl_xor`s, as a GPU's tile reduction combines them. Where the platform
/// defines `IREE_CG_WHOLE_REDUCE` (the host: one rendezvous for the whole
/// butterfly, the same results bit for bit, iree_host::warp_reduce), small
/// values with stateless operators go through it first.
template <unsigned N, typename Parent, typename T, typename Op>
IREE_CG_FN T reduce(const thread_block_tile<N, Parent>& g, T v, Op op) {
#ifdef IREE_CG_WHOLE_REDUCE
  if constexpr (sizeof(T) <= 8 && std::is_trivially_copyable_v<T> && std::is_empty_v<Op> &&
                std::is_default_constructible_v<Op>) {
    T r;
    if (::iree_cg::whole_reduce<N, T, Op>(v, &r)) return r;
  }
#endif
  for (unsigned o = N / 2; o > 0; o /= 2) v = op(v, g.shfl_xor(v, o));
  return v;
}
/// `op` over the values of ranks 0 to the caller's (Hillis-Steele).
template <unsigned N, typename Parent, typename T, typename Op>
IREE_CG_FN T inclusive_scan(const thread_block_tile<N, Parent>& g, T v, Op op) {
  const unsigned r = unsigned(g.thread_rank());
  for (unsigned o = 1; o < N; o *= 2) {
    const T u = g.shfl_up(v, o);
    if (r >= o) v = op(u, v);
  }
  return v;
}
template <unsigned N, typename Parent, typename T>
IREE_CG_FN T inclusive_scan(const thread_block_tile<N, Parent>& g, T v) {
  return inclusive_scan(g, v, plus<T>());
}
/// `op` over the values of ranks before the caller's (rank 0 gets `T()`).
template <unsigned N, typename Parent, typename T, typename Op>
IREE_CG_FN T exclusive_scan(const thread_block_tile<N, Parent>& g, T v, Op op) {
  const T inc = inclusive_scan(g, v, op);
  const T prev = g.shfl_up(inc, 1);
  return g.thread_rank() == 0 ? T() : prev;
}
template <unsigned N, typename Parent, typename T>
IREE_CG_FN T exclusive_scan(const thread_block_tile<N, Parent>& g, T v) {
  return exclusive_scan(g, v, plus<T>());
}
}  // namespace cooperative_groups

#endif  // IREE_COOPERATIVE_GROUPS_H_
