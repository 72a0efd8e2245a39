// Cooperative groups on the host (CUDA's <cooperative_groups.h>, HIP's
// <hip/hip_cooperative_groups.h>): the shared implementation
// (iree_cooperative_groups.h) over the host warps of iree_host_warp.h.
#ifndef IREE_HOST_COOPERATIVE_GROUPS_H_
#define IREE_HOST_COOPERATIVE_GROUPS_H_

#include "hip/hip_runtime.h"

#define IREE_CG_MAX_TILE IREE_HOST_WARP_SIZE
namespace iree_cg {
__forceinline__ unsigned block_rank() { return ::iree_host::warp_tid(); }
__forceinline__ unsigned long long segment_mask(unsigned n) { return ::iree_host::segment_mask(n); }
/// `cg::reduce` in one rendezvous of the tile (false: shuffle step by step).
template <unsigned N, typename T, typename Op>
__forceinline__ bool whole_reduce(T v, T* out) {
  return ::iree_host::warp_reduce<N, T, Op>(v, out);
}
}  // namespace iree_cg
#define IREE_CG_WHOLE_REDUCE 1
#include "iree_cooperative_groups.h"

#endif  // IREE_HOST_COOPERATIVE_GROUPS_H_
