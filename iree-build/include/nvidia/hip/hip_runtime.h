// HIP on NVIDIA, written by iree-build: the HIP device API as a mapping onto
// CUDA's own device headers, so that the same `.cu` that includes
// <hip/hip_runtime.h> for AMD builds for `sm_*` with clang's CUDA mode
// (`clang -x cuda --cuda-path=<CUDA root>`), as HIP's own NVIDIA platform
// maps it onto nvcc. Everything CUDA has (qualifiers, built-in variables,
// vector types, atomics, `*_sync` warp functions, math, `__ldg`, `printf`) is
// CUDA's; this header adds only HIP's own spellings. Host API (hipMalloc,
// launches) is not declared: that belongs to the Rust runtime.
#ifndef IREE_NVIDIA_HIP_RUNTIME_H
#define IREE_NVIDIA_HIP_RUNTIME_H
// The guard HIP's own header defines, which some sources test.
#define HIP_INCLUDE_HIP_HIP_RUNTIME_H

#if !defined(__CUDA__) || !defined(__clang__)
#error "iree-build's NVIDIA hip_runtime.h is for clang's CUDA mode only"
#endif

#define __HIP_PLATFORM_NVIDIA__ 1
#define __HIP_PLATFORM_NVCC__ 1
#define __HIPCC__ 1
#if defined(__CUDA_ARCH__)
#define __HIP_DEVICE_COMPILE__ 1
#endif

#include <cuda_runtime.h>

// HIP spellings of the built-in variables.
#define hipThreadIdx_x threadIdx.x
#define hipThreadIdx_y threadIdx.y
#define hipThreadIdx_z threadIdx.z
#define hipBlockIdx_x blockIdx.x
#define hipBlockIdx_y blockIdx.y
#define hipBlockIdx_z blockIdx.z
#define hipBlockDim_x blockDim.x
#define hipBlockDim_y blockDim.y
#define hipBlockDim_z blockDim.z
#define hipGridDim_x gridDim.x
#define hipGridDim_y gridDim.y
#define hipGridDim_z gridDim.z

#define HIP_DYNAMIC_SHARED(type, var) extern __shared__ type var[];
#define HIP_DYNAMIC_SHARED_ATTRIBUTE
#define HIP_KERNEL_NAME(...) __VA_ARGS__
#define HIP_SYMBOL(x) x

// The lane's index in its warp (HIP's __lane_id; CUDA reads %laneid).
static __device__ __forceinline__ unsigned int __lane_id() {
  return __nvvm_read_ptx_sreg_laneid();
}

// HIP's atomics that CUDA spells otherwise.
template <typename T>
static __device__ __forceinline__ T unsafeAtomicAdd(T *p, T v) { return atomicAdd(p, v); }
template <typename T>
static __device__ __forceinline__ T safeAtomicAdd(T *p, T v) { return atomicAdd(p, v); }

// HIP's warp functions take no mask (the whole warp takes part); CUDA's
// *_sync forms with the full mask are their meaning on NVIDIA. CUDA
// declares the maskless forms only below sm_70 (ptxas rejects them from
// sm_70 on) and clang's intrinsics header defines them without `.sync`, so
// these are macros that take over the names. HIP's ballot is 64-bit (AMD
// wavefronts can be 64 wide). Our hip_fp16.h and friends hide the macros
// while CUDA's headers declare the half-precision forms (sm_60 and older).
#define __shfl(...) __shfl_sync(0xffffffffu, __VA_ARGS__)
#define __shfl_up(...) __shfl_up_sync(0xffffffffu, __VA_ARGS__)
#define __shfl_down(...) __shfl_down_sync(0xffffffffu, __VA_ARGS__)
#define __shfl_xor(...) __shfl_xor_sync(0xffffffffu, __VA_ARGS__)
#define __any(pred) __any_sync(0xffffffffu, (pred))
#define __all(pred) __all_sync(0xffffffffu, (pred))
#define __ballot(pred) ((unsigned long long)__ballot_sync(0xffffffffu, (pred)))

#endif // IREE_NVIDIA_HIP_RUNTIME_H
