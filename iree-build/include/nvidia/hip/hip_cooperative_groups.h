// HIP's cooperative groups on NVIDIA, written by iree-build: CUDA's
// cooperative_groups.h, whose namespace, groups (`this_thread_block`,
// `tiled_partition`, `thread_block_tile<N>`, `coalesced_threads`) and
// members HIP spells the same.
#ifndef IREE_NVIDIA_HIP_COOPERATIVE_GROUPS_H
#define IREE_NVIDIA_HIP_COOPERATIVE_GROUPS_H
#include <hip/hip_runtime.h>
#define IREE_CUDA_HEADER <cooperative_groups.h>
#include <hip/iree_cuda_include.h>
#endif // IREE_NVIDIA_HIP_COOPERATIVE_GROUPS_H
