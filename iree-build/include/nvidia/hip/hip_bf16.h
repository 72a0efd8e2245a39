// HIP's bfloat16 on NVIDIA, written by iree-build: CUDA's cuda_bf16.h, with
// HIP's type names for CUDA's `__nv_bfloat16`: `__hip_bfloat16` (HIP 6's
// hip_bf16.h) and `hip_bfloat16` (the older hip_bfloat16.h; construction
// from and conversion to float work, its `data` member does not exist).
// The functions (`__float2bfloat16`, `__bfloat162float`, `__hadd`, ...) are
// spelled the same.
#ifndef IREE_NVIDIA_HIP_BF16_H
#define IREE_NVIDIA_HIP_BF16_H
#include <hip/hip_runtime.h>
#define IREE_CUDA_HEADER <cuda_bf16.h>
#include <hip/iree_cuda_include.h>
typedef __nv_bfloat16 __hip_bfloat16;
typedef __nv_bfloat162 __hip_bfloat162;
typedef __nv_bfloat16 hip_bfloat16;
#endif // IREE_NVIDIA_HIP_BF16_H
