// hip/hip_cooperative_groups.h for AMD `gfx*`, in place of Debian's HIP
// 5.2 one (whose tiles lack `any`, `all`, `ballot`, `meta_group_size`,
// `meta_group_rank`, and which has no `cg::reduce`): the shared
// implementation (iree_cooperative_groups.h) over the warp functions of
// iree_amd_device.h. Found first on the include path, so HIP's header is
// never read and nothing is defined twice.
#ifndef IREE_AMD_HIP_COOPERATIVE_GROUPS_H_
#define IREE_AMD_HIP_COOPERATIVE_GROUPS_H_

#include <hip/hip_runtime.h>

#define IREE_CG_MAX_TILE __AMDGCN_WAVEFRONT_SIZE
namespace iree_cg {
__device__ __forceinline__ unsigned block_rank() {
  return threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
}
/// The lanes of the caller's aligned segment of `n` lanes.
__device__ __forceinline__ unsigned long long segment_mask(unsigned n) {
  const unsigned long long ones = n >= 64 ? ~0ull : (1ull << n) - 1;
  return ones << (__lane_id() & ~(n - 1));
}
}  // namespace iree_cg
#include "iree_cooperative_groups.h"

#endif  // IREE_AMD_HIP_COOPERATIVE_GROUPS_H_
