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

// CUDA's vector types (vector_types.h), with its sizes and alignments, and
// their make_* constructors: kernels use them and clang's intrinsics header
// (__ldg) needs them.
#define IREE_VEC1(name, T, a) \
  struct __attribute__((aligned(a))) name { T x; };
#define IREE_VEC2(name, T, a) \
  struct __attribute__((aligned(a))) name { T x, y; };
#define IREE_VEC3(name, T, a) \
  struct name { T x, y, z; };
#define IREE_VEC4(name, T, a) \
  struct __attribute__((aligned(a))) name { T x, y, z, w; };
#define IREE_VECS(base, T, a1, a2, a4)                                        \
  IREE_VEC1(base##1, T, a1) IREE_VEC2(base##2, T, a2) IREE_VEC3(base##3, T, a1) \
  IREE_VEC4(base##4, T, a4)                                                   \
  static __host__ __device__ __forceinline__ base##1 make_##base##1(T x) {    \
    return base##1{x};                                                        \
  }                                                                           \
  static __host__ __device__ __forceinline__ base##2 make_##base##2(T x, T y) { \
    return base##2{x, y};                                                     \
  }                                                                           \
  static __host__ __device__ __forceinline__ base##3 make_##base##3(T x, T y, T z) { \
    return base##3{x, y, z};                                                  \
  }                                                                           \
  static __host__ __device__ __forceinline__ base##4 make_##base##4(T x, T y, T z, T w) { \
    return base##4{x, y, z, w};                                               \
  }
IREE_VECS(char, signed char, 1, 2, 4)
IREE_VECS(uchar, unsigned char, 1, 2, 4)
IREE_VECS(short, short, 2, 4, 8)
IREE_VECS(ushort, unsigned short, 2, 4, 8)
IREE_VECS(int, int, 4, 8, 16)
IREE_VECS(uint, unsigned int, 4, 8, 16)
IREE_VECS(long, long, 8, 16, 16)
IREE_VECS(ulong, unsigned long, 8, 16, 16)
IREE_VECS(longlong, long long, 8, 16, 16)
IREE_VECS(ulonglong, unsigned long long, 8, 16, 16)
IREE_VECS(float, float, 4, 8, 16)
IREE_VECS(double, double, 8, 16, 16)
#undef IREE_VECS
#undef IREE_VEC1
#undef IREE_VEC2
#undef IREE_VEC3
#undef IREE_VEC4

struct dim3 {
  unsigned int x, y, z;
  __host__ __device__ constexpr dim3(unsigned int x = 1, unsigned int y = 1, unsigned int z = 1)
      : x(x), y(y), z(z) {}
  __host__ __device__ constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
  __host__ __device__ constexpr operator uint3() const { return uint3{x, y, z}; }
};

// The conversions clang's builtin-variable types declare (as clang's CUDA
// runtime wrapper defines them).
#define IREE_BUILTIN_CONVERSIONS(T)                                              \
  __device__ inline T::operator dim3() const { return dim3(x, y, z); }          \
  __device__ inline T::operator uint3() const { return uint3{x, y, z}; }
IREE_BUILTIN_CONVERSIONS(__cuda_builtin_threadIdx_t)
IREE_BUILTIN_CONVERSIONS(__cuda_builtin_blockIdx_t)
IREE_BUILTIN_CONVERSIONS(__cuda_builtin_blockDim_t)
IREE_BUILTIN_CONVERSIONS(__cuda_builtin_gridDim_t)
#undef IREE_BUILTIN_CONVERSIONS
// Declarations of libdevice's __nv_* functions.
#include <__clang_cuda_libdevice_declares.h>
// __threadfence, __syncthreads_*, __fAtomicAdd & co, integer intrinsics.
#include <__clang_cuda_device_functions.h>
// expf, logf, sqrtf, ... mapped to __nv_*.
#include <__clang_cuda_math.h>
// What clang's intrinsics header expects the CUDA SDK to have declared
// (cuda.h, sm_20_intrinsics.h).
typedef uint32_t cuuint32_t;
static __device__ __forceinline__ unsigned int __isShared(const void *p) {
  return __nvvm_isspacep_shared(p);
}
static __device__ __forceinline__ unsigned int __isGlobal(const void *p) {
  return __nvvm_isspacep_global(p);
}
static __device__ __forceinline__ size_t __cvta_generic_to_shared(const void *p) {
  return (size_t)(void __attribute__((address_space(3))) *)p;
}
// Warp shuffles, votes, __ldg (includes crt/sm_70_rt.hpp: ours is empty).
#include <__clang_cuda_intrinsics.h>

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

// HIP's warp functions take no mask (the whole warp takes part); CUDA's
// *_sync forms with the full mask are their meaning on NVIDIA. clang's headers
// define the pre-Volta forms without .sync under the same names (ptxas
// rejects those for sm_70+, and clang-19 cannot even select them with a
// PTX ISA of 7.0+), so these are macros that take over the names. HIP's
// ballot is 64-bit (AMD wavefronts can be 64 wide).
#define __shfl(...) __shfl_sync(0xffffffffu, __VA_ARGS__)
#define __shfl_up(...) __shfl_up_sync(0xffffffffu, __VA_ARGS__)
#define __shfl_down(...) __shfl_down_sync(0xffffffffu, __VA_ARGS__)
#define __shfl_xor(...) __shfl_xor_sync(0xffffffffu, __VA_ARGS__)
#define __any(pred) __any_sync(0xffffffffu, (pred))
#define __all(pred) __all_sync(0xffffffffu, (pred))
#define __ballot(pred) ((unsigned long long)__ballot_sync(0xffffffffu, (pred)))

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
