// HIP-compatibility header for compiling HIP kernels as CUDA with clang
// (`clang -x cuda --cuda-device-only -nocudainc -nocudalib`), written by
// iree-build so that the same `.cu` that includes <hip/hip_runtime.h> for AMD
// also builds for NVIDIA without a CUDA SDK.
//
// It covers the device-side subset of HIP that kernels use: the built-in
// index variables, function/variable qualifiers, barriers and fences, the
// atomic functions, warp size, and the C math library mapped onto libdevice
// (`__nv_*`, linked by iree-build with -mlink-builtin-bitcode). Nothing here
// declares host API (hipMalloc, launches): those belong to the Rust runtime.
#ifndef IREE_NVIDIA_HIP_RUNTIME_H
#define IREE_NVIDIA_HIP_RUNTIME_H

#if !defined(__CUDA__) || !defined(__clang__)
#error "iree-build's NVIDIA hip_runtime.h is for clang's CUDA mode only"
#endif

#define __HIP_PLATFORM_NVIDIA__ 1
#define __HIP_PLATFORM_NVCC__ 1
#if defined(__CUDA_ARCH__)
#define __HIP_DEVICE_COMPILE__ 1
#endif

// Qualifiers, as clang's CUDA runtime wrapper spells them.
#define __host__ __attribute__((host))
#define __device__ __attribute__((device))
#define __global__ __attribute__((global))
#define __shared__ __attribute__((shared))
#define __constant__ __attribute__((constant))
#define __managed__ __attribute__((managed))
#define __forceinline__ __inline__ __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...) __attribute__((launch_bounds(__VA_ARGS__)))

// clang's own device-side headers gate on the CUDA version; they only need to
// believe it is recent.
#ifndef CUDA_VERSION
#define CUDA_VERSION 12000
#endif

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#ifndef HUGE_VAL
#define HUGE_VAL __builtin_huge_val()
#endif
#ifndef HUGE_VALF
#define HUGE_VALF __builtin_huge_valf()
#endif
#ifndef INFINITY
#define INFINITY __builtin_inff()
#endif
#ifndef NAN
#define NAN __builtin_nanf("")
#endif

// threadIdx, blockIdx, blockDim, gridDim, warpSize.
#include <__clang_cuda_builtin_vars.h>
// Declarations of libdevice's __nv_* functions.
#include <__clang_cuda_libdevice_declares.h>
// __threadfence, __syncthreads_*, __fAtomicAdd & co, integer intrinsics.
#include <__clang_cuda_device_functions.h>
// expf, logf, sqrtf, ... mapped to __nv_*.
#include <__clang_cuda_math.h>

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
#define HIP_KERNEL_NAME(...) __VA_ARGS__

// __syncthreads() is a clang builtin for NVPTX (bar.sync 0).

// Atomics: the overload set of CUDA's sm_*_atomic_functions.h over clang's
// typed helpers.
#define IREE_ATOMIC_DEVICE static __device__ __forceinline__

IREE_ATOMIC_DEVICE int atomicAdd(int *p, int v) { return __iAtomicAdd(p, v); }
IREE_ATOMIC_DEVICE unsigned int atomicAdd(unsigned int *p, unsigned int v) { return __uAtomicAdd(p, v); }
IREE_ATOMIC_DEVICE unsigned long long atomicAdd(unsigned long long *p, unsigned long long v) { return __ullAtomicAdd(p, v); }
IREE_ATOMIC_DEVICE float atomicAdd(float *p, float v) { return __fAtomicAdd(p, v); }
IREE_ATOMIC_DEVICE double atomicAdd(double *p, double v) { return __dAtomicAdd(p, v); }
IREE_ATOMIC_DEVICE int atomicSub(int *p, int v) { return __iAtomicAdd(p, -v); }
IREE_ATOMIC_DEVICE unsigned int atomicSub(unsigned int *p, unsigned int v) { return __uAtomicAdd(p, (unsigned int)-v); }
IREE_ATOMIC_DEVICE int atomicExch(int *p, int v) { return __iAtomicExch(p, v); }
IREE_ATOMIC_DEVICE unsigned int atomicExch(unsigned int *p, unsigned int v) { return __uAtomicExch(p, v); }
IREE_ATOMIC_DEVICE unsigned long long atomicExch(unsigned long long *p, unsigned long long v) { return __ullAtomicExch(p, v); }
IREE_ATOMIC_DEVICE float atomicExch(float *p, float v) { return __fAtomicExch(p, v); }
IREE_ATOMIC_DEVICE int atomicMin(int *p, int v) { return __iAtomicMin(p, v); }
IREE_ATOMIC_DEVICE unsigned int atomicMin(unsigned int *p, unsigned int v) { return __uAtomicMin(p, v); }
IREE_ATOMIC_DEVICE int atomicMax(int *p, int v) { return __iAtomicMax(p, v); }
IREE_ATOMIC_DEVICE unsigned int atomicMax(unsigned int *p, unsigned int v) { return __uAtomicMax(p, v); }
IREE_ATOMIC_DEVICE unsigned int atomicInc(unsigned int *p, unsigned int v) { return __uAtomicInc(p, v); }
IREE_ATOMIC_DEVICE unsigned int atomicDec(unsigned int *p, unsigned int v) { return __uAtomicDec(p, v); }
IREE_ATOMIC_DEVICE int atomicCAS(int *p, int c, int v) { return __iAtomicCAS(p, c, v); }
IREE_ATOMIC_DEVICE unsigned int atomicCAS(unsigned int *p, unsigned int c, unsigned int v) { return __uAtomicCAS(p, c, v); }
IREE_ATOMIC_DEVICE unsigned long long atomicCAS(unsigned long long *p, unsigned long long c, unsigned long long v) { return __ullAtomicCAS(p, c, v); }
IREE_ATOMIC_DEVICE int atomicAnd(int *p, int v) { return __iAtomicAnd(p, v); }
IREE_ATOMIC_DEVICE unsigned int atomicAnd(unsigned int *p, unsigned int v) { return __uAtomicAnd(p, v); }
IREE_ATOMIC_DEVICE int atomicOr(int *p, int v) { return __iAtomicOr(p, v); }
IREE_ATOMIC_DEVICE unsigned int atomicOr(unsigned int *p, unsigned int v) { return __uAtomicOr(p, v); }
IREE_ATOMIC_DEVICE int atomicXor(int *p, int v) { return __iAtomicXor(p, v); }
IREE_ATOMIC_DEVICE unsigned int atomicXor(unsigned int *p, unsigned int v) { return __uAtomicXor(p, v); }

#undef IREE_ATOMIC_DEVICE

#endif // IREE_NVIDIA_HIP_RUNTIME_H
