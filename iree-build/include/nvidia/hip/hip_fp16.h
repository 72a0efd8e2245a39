// HIP's half precision on NVIDIA, written by iree-build: CUDA's cuda_fp16.h,
// whose `__half`, `__half2` and functions (`__float2half`, `__hadd2`, ...)
// HIP spells the same.
#ifndef IREE_NVIDIA_HIP_FP16_H
#define IREE_NVIDIA_HIP_FP16_H
#include <hip/hip_runtime.h>
#define IREE_CUDA_HEADER <cuda_fp16.h>
#include <hip/iree_cuda_include.h>
#endif // IREE_NVIDIA_HIP_FP16_H
