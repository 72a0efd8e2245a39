// The host HIP header: lets the same HIP kernel sources compile as plain
// C++17 for the CPU, where `runtime-hip`'s host platform runs them.
//
// Compile with (what `iree-build` does for the `host` target):
//   clang++-19 -x c++ -std=c++17 -O3 -fPIC -fno-exceptions -fno-rtti
//              -ffunction-sections -I <this dir's parent> -c wrapper.cc
// where the wrapper TU is `#include "kernels.cu"` followed by one
// `IREE_HOST_EXPORT(k)` per exported kernel (`IREE_HOST_EXPORT_AS(id, name)`
// for a C++ name such as `ns::reduce<float, 256>`: the symbols below are then
// named after `id`, iree_abi::host::export_id of the name).
//
// The ABI with the runtime (keep in step with runtime-hip/src/host/abi.rs):
//   * `struct HostLaunch` mirrors `runtime_hip::host::HostLaunch`.
//   * `block` entries run `launch->block_count` blocks (0/1: one) along x
//     from `launch->block_idx`, each as a loop over its threads.
//   * `IREE_HOST_EXPORT(k)` defines
//       extern "C" void __iree_host_block_k(const HostLaunch*, void** args);
//       extern "C" void __iree_host_thread_k(const HostLaunch*, void** args);
//       extern "C" const unsigned __iree_host_sig_k[] = {argc, sizeof(arg0), ...,
//                                                         <type records, see SigTable>};
//     `args[i]` points at the value of parameter i, in the kernel's order,
//     aligned for its type, as `cuLaunchKernel`'s kernelParams.
//   * `__syncthreads()` and every warp operation wait by calling
//     `extern "C" void __iree_host_barrier(void)`, defined (#[no_mangle]) by
//     runtime-hip: it returns when every other thread of the block has
//     called it or returned (one pass of the block's threads). A kernel that
//     references it is a "barrier kernel" and runs one coroutine per thread;
//     the build finds this from relocations against that symbol. The thread
//     entry of the block's thread 0 (started first) resets the block's warp
//     state; every thread entry marks its thread returned.
//   * `__global__` functions live in section `.text.iree_kernel`.
//   * With iree-build's pass plugin on x86-64, a block entry asks
//     `extern "C" unsigned __iree_host_simd_level(void)` (runtime-hip,
//     referenced weakly) which of its SIMD variants to run: see "SIMD block
//     entries" below.
//
// Execution model on the host:
//   * Blocks of a grid run in parallel on worker threads; one worker runs one
//     block at a time, start to end, so `__shared__` (a `thread_local`) is one
//     copy per block in flight. Its contents are NOT reset between blocks
//     (GPUs do not zero shared memory either).
//   * Threads of a block run one after another (no barrier) or as coroutines
//     switching at `__syncthreads()` (barrier kernels). With iree-build's
//     lockstep pass (the default where LLVM's headers are installed; see
//     "lockstep blocks" below), kernels with barriers or long loops instead
//     run round-robin in segments on one stack, so a block's threads move
//     through their loops together. Either way a thread that has returned
//     counts as arrived at every later barrier.
//   * Warps are real: `warpSize` is 32 (64 for `subgroup_size = 64`), and
//     every warp operation (shuffles, votes, `__activemask`, `__syncwarp`,
//     cooperative groups' tiles) is a rendezvous of the warp's lanes that
//     gives each lane what a GPU gives it (iree_host_warp.h). A kernel with
//     warp operations or barriers references `__iree_host_barrier` and runs
//     as a barrier kernel (or in lockstep), its block barrier and warp
//     points built on that one yield.
//   * Atomics are real (relaxed) CPU atomics: blocks run in parallel.
//   * Out-of-bounds accesses are the kernel's bug, as on a GPU; on the host
//     they corrupt the process rather than the device.
//   * Dynamic shared memory: `extern __shared__ T name[];` (storage given
//     by iree-build's link step, see `__shared__`) or `HIP_DYNAMIC_SHARED`.
//   * Every symbol a kernel file defines is private to it once linked
//     (iree-build renames it with the file's unit tag), as a GPU code
//     object is: files and crates may share helper names and sources.
#ifndef IREE_HOST_HIP_RUNTIME_H_
#define IREE_HOST_HIP_RUNTIME_H_

#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmath>
#include <type_traits>
#include <utility>

#define __HIP_PLATFORM_IREE_HOST__ 1
#define __IREE_HOST__ 1

extern "C" {
/// Mirrors `runtime_hip::host::HostLaunch` (#[repr(C)]).
struct HostLaunch {
  unsigned grid_dim[3];
  unsigned block_dim[3];
  unsigned block_idx[3];
  unsigned thread_idx[3];
  /// Blocks along x from block_idx that a block entry runs (0/1: one).
  unsigned block_count;
  /// The block's dynamic shared memory (HIP_DYNAMIC_SHARED), or null.
  void* dynamic_shared;
};
// The layout runtime_hip::host::HOST_LAUNCH_LAYOUT pins (iree-build's
// host_abi test checks these lines against it): drift is a build error.
static_assert(sizeof(HostLaunch) == 64, "HostLaunch size");
static_assert(offsetof(HostLaunch, grid_dim) == 0, "HostLaunch.grid_dim");
static_assert(offsetof(HostLaunch, block_dim) == 12, "HostLaunch.block_dim");
static_assert(offsetof(HostLaunch, block_idx) == 24, "HostLaunch.block_idx");
static_assert(offsetof(HostLaunch, thread_idx) == 36, "HostLaunch.thread_idx");
static_assert(offsetof(HostLaunch, block_count) == 48, "HostLaunch.block_count");
static_assert(offsetof(HostLaunch, dynamic_shared) == 56, "HostLaunch.dynamic_shared");
/// Defined by runtime-hip: suspends this thread's coroutine until every
/// thread of the block has arrived (or returned).
void __iree_host_barrier(void);
}

// ---- qualifiers -----------------------------------------------------------
#define __global__ __attribute__((section(".text.iree_kernel")))
#define __device__
#define __host__
#define __constant__
#define __forceinline__ inline __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
/// `thread_local`: one copy per worker thread, which runs one block at a
/// time. At block scope it implies `static`; at namespace scope the array
/// has external linkage, which iree-build's link step makes private to the
/// kernel file (`privatize.rs`: every symbol an object defines is renamed
/// with the file's unit tag). `extern __shared__ T s[];` declares an
/// undefined thread-local array, which that step defines: every such array
/// of an object starts at one 64 KiB (`HOST_SHARED_BYTES`) thread-local
/// buffer, as all of a block's dynamic shared arrays start at one address
/// on a GPU. (Objects compiled without iree-build's link step, such as
/// runtime-hip's own tests, must use `HIP_DYNAMIC_SHARED` instead.)
#define __shared__ thread_local
/// Dynamic shared memory (the launch's `shared_bytes`, IREE's
/// `workgroup_local_memory`): `HIP_DYNAMIC_SHARED(float, smem)` declares
/// `float* smem` pointing at the runtime's per-worker buffer of the
/// launch's size. A kernel uses either this or `extern __shared__`, not
/// both: on the host the two are different memory.
#define HIP_DYNAMIC_SHARED(type, var) \
  type* var = static_cast<type*>(::iree_host::ctx.dynamic_shared)

// ---- vector types used for built-ins ----------------------------------------
struct uint3 {
  unsigned x, y, z;
};
struct dim3 {
  unsigned x, y, z;
  constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
  constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
  constexpr operator uint3() const { return uint3{x, y, z}; }
};

namespace iree_host {
/// Everything the built-in variables read, for the thread running now.
struct Context {
  uint3 thread_idx;
  uint3 block_idx;
  uint3 block_dim;
  uint3 grid_dim;
  void* dynamic_shared;
};
/// One context per OS thread, read by every built-in variable.
///
/// The TLS model defaults to initial-exec: a plain %fs-relative access, valid
/// in any executable (PIE included), which is how host objects are linked.
/// A module with an initial-exec access must have its *whole* TLS block
/// (this context and every `__shared__` array) in glibc's static TLS
/// surplus, which is small (~1.6 KiB), so code that ends up in a shared
/// library loaded with dlopen (a cdylib, the runtime-hip tests) should be
/// compiled with `-DIREE_HOST_TLS_MODEL=\"global-dynamic\"`; in an executable
/// the linker relaxes either model to a local-exec access anyway.
#ifndef IREE_HOST_TLS_MODEL
#define IREE_HOST_TLS_MODEL "initial-exec"
#endif
inline thread_local Context ctx __attribute__((tls_model(IREE_HOST_TLS_MODEL))) = {};
}  // namespace iree_host

#define threadIdx (::iree_host::ctx.thread_idx)
#define blockIdx (::iree_host::ctx.block_idx)
#define blockDim (::iree_host::ctx.block_dim)
#define gridDim (::iree_host::ctx.grid_dim)
#define hipThreadIdx_x (threadIdx.x)
#define hipThreadIdx_y (threadIdx.y)
#define hipThreadIdx_z (threadIdx.z)
#define hipBlockIdx_x (blockIdx.x)
#define hipBlockIdx_y (blockIdx.y)
#define hipBlockIdx_z (blockIdx.z)
#define hipBlockDim_x (blockDim.x)
#define hipBlockDim_y (blockDim.y)
#define hipBlockDim_z (blockDim.z)
#define hipGridDim_x (gridDim.x)
#define hipGridDim_y (gridDim.y)
#define hipGridDim_z (gridDim.z)

// ---- synchronisation and warps ----------------------------------------------
// `__syncthreads()`, `warpSize` and every warp intrinsic (warps of 32 lanes,
// or 64, exchanging values as on a GPU): see the execution model there.
#include "../iree_host_warp.h"
static __forceinline__ void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
static __forceinline__ void __threadfence_block() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
static __forceinline__ void __threadfence_system() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

// Cache hints (CUDA's load/store cache operators): plain accesses on the CPU.
#include "iree_cache_hints.h"

// ---- atomics (relaxed, like HIP's device-scope atomics) -----------------------
#define IREE_HOST_INT_ATOMICS(T)                                                                \
  static __forceinline__ T atomicAdd(T* p, T v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); } \
  static __forceinline__ T atomicSub(T* p, T v) { return __atomic_fetch_sub(p, v, __ATOMIC_RELAXED); } \
  static __forceinline__ T atomicMax(T* p, T v) { return __atomic_fetch_max(p, v, __ATOMIC_RELAXED); } \
  static __forceinline__ T atomicMin(T* p, T v) { return __atomic_fetch_min(p, v, __ATOMIC_RELAXED); } \
  static __forceinline__ T atomicAnd(T* p, T v) { return __atomic_fetch_and(p, v, __ATOMIC_RELAXED); } \
  static __forceinline__ T atomicOr(T* p, T v) { return __atomic_fetch_or(p, v, __ATOMIC_RELAXED); }   \
  static __forceinline__ T atomicXor(T* p, T v) { return __atomic_fetch_xor(p, v, __ATOMIC_RELAXED); } \
  static __forceinline__ T atomicExch(T* p, T v) { return __atomic_exchange_n(p, v, __ATOMIC_RELAXED); } \
  static __forceinline__ T atomicCAS(T* p, T cmp, T v) {                                        \
    __atomic_compare_exchange_n(p, &cmp, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);          \
    return cmp;                                                                                 \
  }
IREE_HOST_INT_ATOMICS(int)
IREE_HOST_INT_ATOMICS(unsigned int)
IREE_HOST_INT_ATOMICS(long long)
IREE_HOST_INT_ATOMICS(unsigned long long)
#undef IREE_HOST_INT_ATOMICS

namespace iree_host {
/// Read-modify-write of a float/double through a CAS loop on its bits.
template <typename F, typename Bits, typename Op>
static __forceinline__ F atomic_rmw(F* p, Op op) {
  Bits* bp = reinterpret_cast<Bits*>(p);
  Bits old = __atomic_load_n(bp, __ATOMIC_RELAXED);
  for (;;) {
    F cur;
    memcpy(&cur, &old, sizeof(F));
    F next = op(cur);
    Bits nb;
    memcpy(&nb, &next, sizeof(F));
    if (__atomic_compare_exchange_n(bp, &old, nb, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
      return cur;
  }
}
}  // namespace iree_host

#define IREE_HOST_FLOAT_ATOMICS(F, Bits)                                                         \
  static __forceinline__ F atomicAdd(F* p, F v) {                                                \
    return ::iree_host::atomic_rmw<F, Bits>(p, [v](F c) { return c + v; });                      \
  }                                                                                              \
  static __forceinline__ F atomicSub(F* p, F v) {                                                \
    return ::iree_host::atomic_rmw<F, Bits>(p, [v](F c) { return c - v; });                      \
  }                                                                                              \
  static __forceinline__ F atomicMax(F* p, F v) {                                                \
    return ::iree_host::atomic_rmw<F, Bits>(p, [v](F c) { return c < v ? v : c; });              \
  }                                                                                              \
  static __forceinline__ F atomicMin(F* p, F v) {                                                \
    return ::iree_host::atomic_rmw<F, Bits>(p, [v](F c) { return v < c ? v : c; });              \
  }                                                                                              \
  static __forceinline__ F atomicExch(F* p, F v) {                                               \
    return ::iree_host::atomic_rmw<F, Bits>(p, [v](F) { return v; });                            \
  }
IREE_HOST_FLOAT_ATOMICS(float, uint32_t)
IREE_HOST_FLOAT_ATOMICS(double, uint64_t)
#undef IREE_HOST_FLOAT_ATOMICS

static __forceinline__ unsigned atomicInc(unsigned* p, unsigned limit) {
  unsigned old = __atomic_load_n(p, __ATOMIC_RELAXED);
  while (!__atomic_compare_exchange_n(p, &old, old >= limit ? 0u : old + 1u, true,
                                      __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
  return old;
}
static __forceinline__ unsigned atomicDec(unsigned* p, unsigned limit) {
  unsigned old = __atomic_load_n(p, __ATOMIC_RELAXED);
  while (!__atomic_compare_exchange_n(p, &old, (old == 0u || old > limit) ? limit : old - 1u,
                                      true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
  return old;
}

// ---- math -------------------------------------------------------------------
// <cmath>/<math.h> give expf, logf, sqrtf, fmaxf, powf, exp10f, ... The
// intrinsics and device-only helpers HIP adds are mapped onto them (as macros
// where glibc already declares the `__name` as an internal function).
#define __expf(x) expf(x)
#define __logf(x) logf(x)
#define __log2f(x) log2f(x)
#define __log10f(x) log10f(x)
#define __sinf(x) sinf(x)
#define __cosf(x) cosf(x)
#define __tanf(x) tanf(x)
#define __powf(x, y) powf(x, y)
static __forceinline__ float __fdividef(float x, float y) { return x / y; }
static __forceinline__ float __frcp_rn(float x) { return 1.0f / x; }
static __forceinline__ float __fsqrt_rn(float x) { return sqrtf(x); }
static __forceinline__ float __fmul_rn(float x, float y) { return x * y; }
static __forceinline__ float __fadd_rn(float x, float y) { return x + y; }
static __forceinline__ float __fmaf_rn(float x, float y, float z) { return fmaf(x, y, z); }
static __forceinline__ float __saturatef(float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : x); }
static __forceinline__ float rsqrtf(float x) { return 1.0f / sqrtf(x); }
static __forceinline__ double rsqrt(double x) { return 1.0 / sqrt(x); }
static __forceinline__ float __int_as_float(int x) { float f; memcpy(&f, &x, 4); return f; }
static __forceinline__ int __float_as_int(float x) { int i; memcpy(&i, &x, 4); return i; }
static __forceinline__ float __uint_as_float(unsigned x) { float f; memcpy(&f, &x, 4); return f; }
static __forceinline__ unsigned __float_as_uint(float x) { unsigned i; memcpy(&i, &x, 4); return i; }
static __forceinline__ int __popc(unsigned x) { return __builtin_popcount(x); }
static __forceinline__ int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
static __forceinline__ int __clz(int x) { return x == 0 ? 32 : __builtin_clz((unsigned)x); }
static __forceinline__ int __ffs(int x) { return __builtin_ffs(x); }
#define __sincosf(x, s, c) sincosf(x, s, c)
#define __exp10f(x) exp10f(x)
static __forceinline__ float __frsqrt_rn(float x) { return 1.0f / sqrtf(x); }
static __forceinline__ float __fsub_rn(float x, float y) { return x - y; }
static __forceinline__ float __fdiv_rn(float x, float y) { return x / y; }
static __forceinline__ int __mul24(int x, int y) { return x * y; }
static __forceinline__ unsigned __umul24(unsigned x, unsigned y) { return x * y; }
static __forceinline__ int __mulhi(int x, int y) { return (int)(((long long)x * y) >> 32); }
static __forceinline__ unsigned __umulhi(unsigned x, unsigned y) {
  return (unsigned)(((unsigned long long)x * y) >> 32);
}
static __forceinline__ unsigned __brev(unsigned x) { return __builtin_bitreverse32(x); }
// HIP's min/max overload set, mixed integer types included (as in
// HIP/CUDA, a mixed int/unsigned pair compares as unsigned: iree_minmax.h).
#define IREE_HOST_MINMAX(T)                                              \
  static __forceinline__ T min(T a, T b) { return a < b ? a : b; }      \
  static __forceinline__ T max(T a, T b) { return a > b ? a : b; }
IREE_HOST_MINMAX(int)
IREE_HOST_MINMAX(unsigned int)
IREE_HOST_MINMAX(long long)
IREE_HOST_MINMAX(unsigned long long)
IREE_HOST_MINMAX(long)
IREE_HOST_MINMAX(unsigned long)
#undef IREE_HOST_MINMAX
#include "iree_minmax.h"
static __forceinline__ float min(float a, float b) { return fminf(a, b); }
static __forceinline__ float max(float a, float b) { return fmaxf(a, b); }
static __forceinline__ double min(double a, double b) { return fmin(a, b); }
static __forceinline__ double max(double a, double b) { return fmax(a, b); }
static __forceinline__ double min(float a, double b) { return fmin(a, b); }
static __forceinline__ double min(double a, float b) { return fmin(a, b); }
static __forceinline__ double max(float a, double b) { return fmax(a, b); }
static __forceinline__ double max(double a, float b) { return fmax(a, b); }

// CUDA's math functions that libm does not have, for float and double.
namespace iree_host {
/// erf⁻¹(y) in double: a first guess from the central/tail forms of
/// Giles' approximation, then Newton steps on erf (quadratic convergence).
static inline double erfinv(double y) {
  if (!(y > -1.0 && y < 1.0)) return y == 1.0 ? HUGE_VAL : (y == -1.0 ? -HUGE_VAL : NAN);
  double w = -log((1.0 - y) * (1.0 + y)), x;
  if (w < 5.0) {
    w -= 2.5;
    x = 2.81022636e-08;
    x = 3.43273939e-07 + x * w;
    x = -3.5233877e-06 + x * w;
    x = -4.39150654e-06 + x * w;
    x = 0.00021858087 + x * w;
    x = -0.00125372503 + x * w;
    x = -0.00417768164 + x * w;
    x = 0.246640727 + x * w;
    x = 1.50140941 + x * w;
  } else {
    w = sqrt(w) - 3.0;
    x = -0.000200214257;
    x = 0.000100950558 + x * w;
    x = 0.00134934322 + x * w;
    x = -0.00367342844 + x * w;
    x = 0.00573950773 + x * w;
    x = -0.0076224613 + x * w;
    x = 0.00943887047 + x * w;
    x = 1.00167406 + x * w;
    x = 2.83297682 + x * w;
  }
  x *= y;
  for (int i = 0; i < 3; ++i) {
    const double step = (erf(x) - y) / (1.1283791670955126 * exp(-x * x));
    x -= step;
  }
  return x;
}
}  // namespace iree_host
static __forceinline__ double erfinv(double y) { return ::iree_host::erfinv(y); }
static __forceinline__ float erfinvf(float y) { return float(::iree_host::erfinv(y)); }
static __forceinline__ double erfcinv(double y) { return ::iree_host::erfinv(1.0 - y); }
static __forceinline__ float erfcinvf(float y) { return float(::iree_host::erfinv(1.0 - double(y))); }
static __forceinline__ double normcdf(double x) { return 0.5 * erfc(-x * 0.70710678118654752); }
static __forceinline__ float normcdff(float x) { return float(normcdf(x)); }
static __forceinline__ double normcdfinv(double p) { return -1.4142135623730951 * erfcinv(2.0 * p); }
static __forceinline__ float normcdfinvf(float p) { return float(normcdfinv(p)); }
static __forceinline__ double rcbrt(double x) { return 1.0 / cbrt(x); }
static __forceinline__ float rcbrtf(float x) { return 1.0f / cbrtf(x); }
static __forceinline__ double sinpi(double x) { return sin(M_PI * x); }
static __forceinline__ float sinpif(float x) { return float(sinpi(x)); }
static __forceinline__ double cospi(double x) { return cos(M_PI * x); }
static __forceinline__ float cospif(float x) { return float(cospi(x)); }
static __forceinline__ void sincospif(float x, float* s, float* c) { *s = sinpif(x); *c = cospif(x); }
static __forceinline__ void sincospi(double x, double* s, double* c) { *s = sinpi(x); *c = cospi(x); }
static __forceinline__ double __dsqrt_rn(double x) { return sqrt(x); }
static __forceinline__ double __drcp_rn(double x) { return 1.0 / x; }
static __forceinline__ double __fma_rn(double x, double y, double z) { return fma(x, y, z); }
static __forceinline__ double __dadd_rn(double x, double y) { return x + y; }
static __forceinline__ double __dmul_rn(double x, double y) { return x * y; }

// ---- entry points -------------------------------------------------------------
namespace iree_host {
template <typename T>
using Decay = std::remove_cv_t<std::remove_reference_t<T>>;

static __forceinline__ void set_block(Context& c, const HostLaunch* l) {
  c.grid_dim = uint3{l->grid_dim[0], l->grid_dim[1], l->grid_dim[2]};
  c.block_dim = uint3{l->block_dim[0], l->block_dim[1], l->block_dim[2]};
  c.block_idx = uint3{l->block_idx[0], l->block_idx[1], l->block_idx[2]};
  c.dynamic_shared = l->dynamic_shared;
}

#ifdef IREE_HOST_LOCKSTEP
// ---- lockstep blocks (iree-build's LLVM pass plugin) --------------------------
// With the plugin loaded, iree-build defines IREE_HOST_LOCKSTEP and every
// export also gets a thread body `__iree_host_tbody_k` and a scheduler
// `__iree_host_lsched_k`. The pass (iree-build/src/compile/lockstep) turns
// the thread body into a resumable segment: it returns at every
// `__syncthreads()` and every few iterations of each barrier-free loop,
// with the thread's live values saved in its frame, and resumes there when
// called again with the state it returned. The scheduler below then runs
// the block's threads round-robin, segment by segment, so they move through
// their loops together (a grid-stride loop reads memory in order, as on a
// GPU) and barriers cost a return instead of a context switch. If the pass
// transforms the body it replaces `__iree_host_block_k` with the scheduler
// and defines `__iree_host_lockstep_k`; if not (a barrier inside a call it
// cannot see into, say) it deletes both and the kernel runs as without it.
//
// The contract with the pass (keep in step with lockstep.cpp):
//   unsigned __iree_host_tbody_k(void** args, void* frame, unsigned state,
//                                unsigned x, unsigned y, unsigned z);
//   state 0 starts the thread; the result is kLockstepDone, or the state to
//   resume from next, with kLockstepBarrier set when the thread waits at a
//   barrier. `frame` is the thread's own `__iree_host_frame_k` bytes (16-byte
//   aligned), kept between calls.
extern "C" void __iree_host_lockstep_begin(void);
constexpr unsigned kLockstepDone = 0x7fffffffu;
constexpr unsigned kLockstepBarrier = 0x80000000u;

/// A worker thread's scratch memory for lockstep blocks (states and
/// frames), grown as needed and kept for the next block. Trivially
/// destructible on purpose: a `thread_local` with a destructor needs
/// `__cxa_thread_atexit` from the C++ runtime, which a Rust program does not
/// link; a pthread key frees the memory when the worker exits instead.
struct LockstepScratch {
  unsigned char* mem;
  size_t bytes;
};
inline thread_local LockstepScratch lockstep_scratch
    __attribute__((tls_model(IREE_HOST_TLS_MODEL))) = {nullptr, 0};
static void lockstep_scratch_free(void* p) { free(p); }
static inline unsigned char* lockstep_memory(size_t want) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  static pthread_key_t key;
  LockstepScratch& s = lockstep_scratch;
  if (want > s.bytes) {
    pthread_once(&once, [] { pthread_key_create(&key, lockstep_scratch_free); });
    free(s.mem);
    s.bytes = (want + 4095) & ~size_t(4095);
    s.mem = static_cast<unsigned char*>(aligned_alloc(64, s.bytes));
    if (s.mem == nullptr) {
      fprintf(stderr, "iree host: cannot allocate %zu bytes of lockstep frames\n", want);
      abort();
    }
    pthread_setspecific(key, s.mem);
  }
  return s.mem;
}

/// A worker's lockstep scratch for a block of `n` threads: their states
/// (a cache line apart from the frames), then `frame_bytes` of frames.
struct LockstepBlock {
  unsigned* st;
  unsigned char* frames;
};
static __forceinline__ LockstepBlock lockstep_block(size_t n, size_t frame_bytes) {
  const size_t states_bytes = (n * sizeof(unsigned) + 63) & ~size_t(63);
  unsigned char* mem = lockstep_memory(states_bytes + frame_bytes);
  return {reinterpret_cast<unsigned*>(mem), mem + states_bytes};
}

/// Runs `l->block_count` blocks, each as rounds over its threads: a thread
/// waiting at a barrier is skipped until every thread still running waits
/// at one (a returned thread counts as arrived, as with coroutines); any
/// other thread runs its next segment.
template <unsigned (*Body)(void**, void*, unsigned, unsigned, unsigned, unsigned)>
static __forceinline__ void lockstep(const HostLaunch* l, void** args, unsigned frame_bytes) {
  const unsigned nx = l->block_dim[0], ny = l->block_dim[1], nz = l->block_dim[2];
  const size_t n = size_t(nx) * ny * nz;
  const size_t fb = (size_t(frame_bytes) + 15) & ~size_t(15);
  const auto [st, frames] = lockstep_block(n, n * fb);
  Context& c = ctx;
  set_block(c, l);
  const unsigned bx = l->block_idx[0], nb = l->block_count > 1 ? l->block_count : 1;
  for (unsigned b = 0; b < nb; ++b) {
    c.block_idx.x = bx + b;
    for (size_t t = 0; t < n; ++t) st[t] = 0;
    warp_begin_block(unsigned(n));
    size_t alive = n, waiting = 0;
    while (alive != 0) {
      const bool release = waiting == alive;
      alive = 0;
      waiting = 0;
      unsigned x = 0, y = 0, z = 0;
      for (size_t t = 0; t < n; ++t) {
        unsigned s = st[t];
        if (s != kLockstepDone) {
          if (!(s & kLockstepBarrier) || release)
            s = Body(args, frames + t * fb, s & ~kLockstepBarrier, x, y, z);
          st[t] = s;
          alive += s != kLockstepDone;
          waiting += s >> 31;
        }
        if (++x == nx) {
          x = 0;
          if (++y == ny) {
            y = 0;
            ++z;
          }
        }
      }
    }
  }
}
#endif  // IREE_HOST_LOCKSTEP

// ---- SIMD block entries (iree-build's pass plugin, x86-64) ----------------------
// With the plugin loaded, a barrier-free kernel's block entry also exists
// compiled for AVX2+FMA and for AVX-512, and `__iree_host_block_k` calls the
// one the runtime chose (`__iree_host_simd_level`, runtime-hip's host/simd.rs:
// what the CPU has, or 0 under IREE_HOST_SIMD=0). Why it pays: the thread loop
// is a plain counted loop once the plugin's `iree-host-simd` pass (simd.cpp)
// has told LLVM that the kernel's memory accesses never touch the built-in
// variables' context (CUDA forbids taking a built-in's address), so the loop
// vectoriser runs consecutive threads in the vector lanes: threadIdx.x becomes
// a vector, unit-stride accesses vector loads and stores, `if (i < n)` a mask,
// and (the pass marks the thread loop parallel where that is safe) other
// accesses gathers and scatters where the cost model finds them worth it
// (AVX-512). What it cannot vectorise (calls such as expf, atomics, private
// arrays) runs as the scalar loop does, in the SIMD entry.
// The contract with the pass (keep in step with simd.cpp): a SIMD entry starts
// with `__iree_host_simd_begin(&ctx)`, which the pass deletes.
// The level's meaning, in step with runtime-hip's `host::simd::Level`.
#if defined(IREE_HOST_LOCKSTEP) && defined(__x86_64__) && !defined(IREE_HOST_NO_SIMD)
#define IREE_HOST_SIMD_ENTRIES 1
extern "C" {
/// Defined by runtime-hip: the SIMD entry the calling worker runs (0: the
/// scalar one, 1: AVX2, 2: AVX-512). Weak: an object linked without the
/// runtime (iree-build's own tests) runs the scalar entry.
__attribute__((weak)) unsigned __iree_host_simd_level(void);
/// The marker of a SIMD entry (see above); never defined.
void __iree_host_simd_begin(const void* context);
}
#define IREE_HOST_SIMD_AVX2 __attribute__((target("avx2,fma"), noinline))
#define IREE_HOST_SIMD_AVX512 \
  __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"), noinline))
#endif

#ifdef IREE_HOST_LOCKSTEP
#ifdef IREE_HOST_SIMD_ENTRIES
// ---- vector lockstep (barrier kernels in SIMD lanes) ------------------------------
// A barrier kernel's block also runs in SIMD lanes: every export gets a
// second thread body `__iree_host_vbody_k`, which the lockstep pass cuts as
// it cuts the scalar one, with two differences: its frames are planes (the
// slot of saved value v for thread t is at `frames + plane(v) + t *
// size(v)`, so that consecutive threads' slots are consecutive), and a cut
// loop yields after every pass through its body, which the pass unrolls to
// several iterations where it is small (so a segment has no loop of its own).
// The rounds `__iree_host_vround_avx2_k` and `..._avx512_k` run one segment
// for every thread of the block, all at the same state, in a loop over
// threadIdx.x like the SIMD block entries'; the pass gives each round a copy
// per state with the state a constant, so what reaches the loop vectoriser
// is straight-line code per thread. The scheduler below runs such rounds
// while every thread is at the same state (the usual case: the block's
// threads meet at each barrier, and a cut loop has the same trip count for
// all) and the scalar rounds of `lockstep` (with the same body and frames)
// while they are not, until they are again.
// The contract with the pass (keep in step with lockstep.cpp):
//   unsigned __iree_host_vbody_k(void** args, void* frames, unsigned state,
//                                unsigned x, unsigned y, unsigned z, size_t t);
//   as the scalar body, `t` the thread's linear index in its block; planes
//   are kVecMaxThreads threads long and `__iree_host_vframe_k` is their
//   size in bytes (0: the pass did not make the vector body; never run it).
//   unsigned __iree_host_vround_<level>_k(void** args, unsigned char* frames,
//                                         unsigned state, const HostLaunch* l,
//                                         unsigned* states);
//   the pass replaces its body with a dispatch on `state` to its copies; for
//   a state it has no copy of it returns kLockstepMixed.
constexpr unsigned kVecMaxThreads = 1024;
/// A round's result when its threads did not all reach the same state.
constexpr unsigned kLockstepMixed = 0xffffffffu;

/// One segment of every thread of the block, all at `state`; the threads'
/// new states go to `st`. Returns that state if they all have the same,
/// else kLockstepMixed. The loop over x is tagged (`distribute(disable)`)
/// for the SIMD pass, at depth 3 (z, y, x): keep in step with
/// kRoundLoopDepth in simd.cpp.
template <unsigned (*VBody)(void**, void*, unsigned, unsigned, unsigned, unsigned, size_t)>
static __forceinline__ unsigned vround(void** __restrict__ args, unsigned char* __restrict__ frames,
                                       unsigned state, const HostLaunch* __restrict__ l,
                                       unsigned* __restrict__ st) {
  const unsigned nx = l->block_dim[0], ny = l->block_dim[1], nz = l->block_dim[2];
  unsigned any = 0, all = ~0u;
  for (unsigned z = 0; z < nz; ++z)
    for (unsigned y = 0; y < ny; ++y) {
      const size_t row = nx * (y + size_t(ny) * z);
#pragma clang loop distribute(disable)
      for (unsigned x = 0; x < nx; ++x) {
        const unsigned r = VBody(args, frames, state, x, y, z, row + x);
        st[row + x] = r;
        any |= r;
        all &= r;
      }
    }
  return any == all ? any : kLockstepMixed;
}

/// Scalar rounds, as `lockstep`'s, from the states in `st` until every
/// thread is at the same one again; returns it (kLockstepDone when all
/// returned). At least one round runs, so a state a round had no copy for
/// (never made; see the contract above) cannot make the scheduler spin.
template <unsigned (*VBody)(void**, void*, unsigned, unsigned, unsigned, unsigned, size_t)>
static __attribute__((noinline)) unsigned vmixed(void** args, unsigned char* frames, const HostLaunch* l,
                                                 unsigned* st) {
  const unsigned nx = l->block_dim[0], ny = l->block_dim[1], nz = l->block_dim[2];
  const size_t n = size_t(nx) * ny * nz;
  size_t alive = 0, waiting = 0;
  unsigned any = 0, all = ~0u;
  auto tally = [&] {
    alive = waiting = 0;
    any = 0;
    all = ~0u;
    for (size_t t = 0; t < n; ++t) {
      alive += st[t] != kLockstepDone;
      waiting += st[t] != kLockstepDone && (st[t] & kLockstepBarrier);
      any |= st[t];
      all &= st[t];
    }
  };
  tally();
  do {
    const bool release = waiting == alive;
    unsigned x = 0, y = 0, z = 0;
    for (size_t t = 0; t < n; ++t) {
      const unsigned s = st[t];
      if (s != kLockstepDone && (!(s & kLockstepBarrier) || release))
        st[t] = VBody(args, frames, s & ~kLockstepBarrier, x, y, z, t);
      if (++x == nx) {
        x = 0;
        if (++y == ny) {
          y = 0;
          ++z;
        }
      }
    }
    tally();
  } while (any != all);
  return any;
}

/// `lockstep` with vector rounds: `Round` is the round of the launch's
/// SIMD level.
template <unsigned (*VBody)(void**, void*, unsigned, unsigned, unsigned, unsigned, size_t),
          unsigned (*Round)(void**, unsigned char*, unsigned, const HostLaunch*, unsigned*)>
static __forceinline__ void vlockstep(const HostLaunch* l, void** args, unsigned vframe_bytes) {
  const size_t n = size_t(l->block_dim[0]) * l->block_dim[1] * l->block_dim[2];
  const auto [st, frames] = lockstep_block(n, vframe_bytes);
  Context& c = ctx;
  set_block(c, l);
  const unsigned bx = l->block_idx[0], nb = l->block_count > 1 ? l->block_count : 1;
  for (unsigned b = 0; b < nb; ++b) {
    c.block_idx.x = bx + b;
    warp_begin_block(unsigned(n));
    unsigned s = 0;
    for (;;) {
      unsigned r = Round(args, frames, s, l, st);
      if (r == kLockstepMixed) r = vmixed<VBody>(args, frames, l, st);
      if (r == kLockstepDone) break;
      s = r & ~kLockstepBarrier;
    }
  }
}

/// Whether launch `l` runs vector rounds: the pass made the vector body,
/// the block fits the planes, and the CPU has a SIMD level (1 or 2).
static __forceinline__ unsigned vlockstep_level(const HostLaunch* l, unsigned vframe_bytes) {
  if (vframe_bytes == 0) return 0;
  if (size_t(l->block_dim[0]) * l->block_dim[1] * l->block_dim[2] > kVecMaxThreads) return 0;
  return __iree_host_simd_level ? __iree_host_simd_level() : 0u;
}
#define IREE_HOST_VLOCKSTEP_EXPORT(k, p)                                                      \
  extern "C" __attribute__((weak, noinline)) unsigned __iree_host_vbody_##k(                  \
      void** args, void* frames, unsigned state, unsigned x, unsigned y, unsigned z,           \
      size_t t) {                                                                             \
    (void)frames;                                                                             \
    (void)state;                                                                              \
    (void)t;                                                                                  \
    return ::iree_host::Entry<decltype(p), p>::tbody(args, x, y, z);                          \
  }                                                                                           \
  extern "C" const unsigned __iree_host_vframe_##k;                                           \
  extern "C" IREE_HOST_SIMD_AVX2 unsigned __iree_host_vround_avx2_##k(                        \
      void** args, unsigned char* frames, unsigned state, const HostLaunch* l, unsigned* st) {  \
    __iree_host_simd_begin(&::iree_host::ctx);                                                \
    return ::iree_host::vround<&__iree_host_vbody_##k>(args, frames, state, l, st);           \
  }                                                                                           \
  extern "C" IREE_HOST_SIMD_AVX512 unsigned __iree_host_vround_avx512_##k(                    \
      void** args, unsigned char* frames, unsigned state, const HostLaunch* l, unsigned* st) {  \
    __iree_host_simd_begin(&::iree_host::ctx);                                                \
    return ::iree_host::vround<&__iree_host_vbody_##k>(args, frames, state, l, st);           \
  }
#define IREE_HOST_VLOCKSTEP_RUN(k)                                                            \
  switch (::iree_host::vlockstep_level(launch, __iree_host_vframe_##k)) {                     \
    case 0:                                                                                   \
      break;                                                                                  \
    case 1:                                                                                   \
      return ::iree_host::vlockstep<&__iree_host_vbody_##k, &__iree_host_vround_avx2_##k>(    \
          launch, args, __iree_host_vframe_##k);                                              \
    default:                                                                                  \
      return ::iree_host::vlockstep<&__iree_host_vbody_##k, &__iree_host_vround_avx512_##k>(  \
          launch, args, __iree_host_vframe_##k);                                              \
  }
#else
#define IREE_HOST_VLOCKSTEP_EXPORT(k, p)
#define IREE_HOST_VLOCKSTEP_RUN(k)
#endif  // IREE_HOST_SIMD_ENTRIES
#define IREE_HOST_LOCKSTEP_EXPORT(k, p)                                                    \
  extern "C" __attribute__((weak, noinline)) unsigned __iree_host_tbody_##k(               \
      void** args, void* frame, unsigned state, unsigned x, unsigned y, unsigned z) {       \
    (void)frame;                                                                           \
    (void)state;                                                                           \
    return ::iree_host::Entry<decltype(p), p>::tbody(args, x, y, z);                       \
  }                                                                                        \
  extern "C" const unsigned __iree_host_frame_##k;                                         \
  IREE_HOST_VLOCKSTEP_EXPORT(k, p)                                                         \
  extern "C" void __iree_host_lsched_##k(const HostLaunch* launch, void** args) {          \
    IREE_HOST_VLOCKSTEP_RUN(k)                                                             \
    ::iree_host::lockstep<&__iree_host_tbody_##k>(launch, args, __iree_host_frame_##k);     \
  }
#else
#define IREE_HOST_LOCKSTEP_EXPORT(k, p)
#endif  // IREE_HOST_LOCKSTEP

/// The entry points of kernel `K`. `K` is a template argument so that every
/// call below is a direct call the optimiser inlines into the thread loop.
template <typename F, F K>
struct Entry;
template <typename... A, void (*K)(A...)>
struct Entry<void (*)(A...), K> {
  static __forceinline__ void block(const HostLaunch* l, void** args) {
#ifdef IREE_HOST_SIMD_ENTRIES
    const unsigned level = __iree_host_simd_level ? __iree_host_simd_level() : 0u;
    if (level >= 2) return block_avx512(l, args, std::index_sequence_for<A...>{});
    if (level == 1) return block_avx2(l, args, std::index_sequence_for<A...>{});
#endif
    block(l, args, std::index_sequence_for<A...>{});
  }
  static __forceinline__ void thread(const HostLaunch* l, void** args) {
    thread(l, args, std::index_sequence_for<A...>{});
  }
  template <size_t... I>
  static __forceinline__ void block(const HostLaunch* l, void** args, std::index_sequence<I...>) {
    block_with(l, *static_cast<Decay<A>*>(args[I])...);
  }
#ifdef IREE_HOST_SIMD_ENTRIES
  // The same loop compiled for wider vectors: the kernel (no target
  // features of its own) inlines into either.
  template <size_t... I>
  static IREE_HOST_SIMD_AVX2 void block_avx2(const HostLaunch* l, void** args,
                                             std::index_sequence<I...>) {
    __iree_host_simd_begin(&ctx);
    block_with<true>(l, *static_cast<Decay<A>*>(args[I])...);
  }
  template <size_t... I>
  static IREE_HOST_SIMD_AVX512 void block_avx512(const HostLaunch* l, void** args,
                                                 std::index_sequence<I...>) {
    __iree_host_simd_begin(&ctx);
    block_with<true>(l, *static_cast<Decay<A>*>(args[I])...);
  }
#endif
  // The parameters are unpacked once, into locals that stay in registers
  // across the loop over the block's threads. In a SIMD entry (`Simd`) the
  // loop over threadIdx.x carries `distribute(disable)` (a no-op: LLVM does
  // not distribute loops unless asked) as the tag by which the plugin's SIMD
  // pass finds it, at depth 4 of the function's loops (b, z, y, x): keep in
  // step with kThreadLoopDepth in simd.cpp.
  template <bool Simd = false>
  static __forceinline__ void block_with(const HostLaunch* l, Decay<A>... vals) {
    Context& c = ctx;
    set_block(c, l);
    // No cooperative threads: a barrier or warp operation reached here is
    // the misuse the runtime reports.
    block_state.n = 0;
    const unsigned nx = l->block_dim[0], ny = l->block_dim[1], nz = l->block_dim[2];
    const unsigned bx = l->block_idx[0], nb = l->block_count > 1 ? l->block_count : 1;
    for (unsigned b = 0; b < nb; ++b) {
      c.block_idx.x = bx + b;
      for (unsigned z = 0; z < nz; ++z)
        for (unsigned y = 0; y < ny; ++y) {
          if constexpr (Simd) {
#pragma clang loop distribute(disable)
            for (unsigned x = 0; x < nx; ++x) run_thread(c, uint3{x, y, z}, vals...);
          } else {
            for (unsigned x = 0; x < nx; ++x) run_thread(c, uint3{x, y, z}, vals...);
          }
        }
    }
  }
  static __forceinline__ void run_thread(Context& c, uint3 t, Decay<A>... vals) {
    c.thread_idx = t;
    [[clang::always_inline]] K(vals...);
  }
#ifdef IREE_HOST_LOCKSTEP
  static __forceinline__ unsigned tbody(void** args, unsigned x, unsigned y, unsigned z) {
    return tbody(args, x, y, z, std::index_sequence_for<A...>{});
  }
  template <size_t... I>
  static __forceinline__ unsigned tbody(void** args, unsigned x, unsigned y, unsigned z,
                                        std::index_sequence<I...>) {
    return tbody_with(x, y, z, *static_cast<Decay<A>*>(args[I])...);
  }
  // Everything before the marker is the prologue that the lockstep pass
  // re-runs each time it resumes this thread (so the parameters and
  // `threadIdx` are this thread's again); the kernel after it is what the
  // pass cuts into segments.
  static __forceinline__ unsigned tbody_with(unsigned x, unsigned y, unsigned z, Decay<A>... vals) {
    ctx.thread_idx = uint3{x, y, z};
    __iree_host_lockstep_begin();
    [[clang::always_inline]] K(vals...);
    // With plain barriers (iree_host_warp.h) nothing reads the exit's
    // bookkeeping: the scheduler counts returned threads itself.
    if (!plain_barriers()) warp_thread_exit(warp_tid());
    return kLockstepDone;
  }
#endif
  template <size_t... I>
  static __forceinline__ void thread(const HostLaunch* l, void** args, std::index_sequence<I...>) {
    Context& c = ctx;
    set_block(c, l);
    c.thread_idx = uint3{l->thread_idx[0], l->thread_idx[1], l->thread_idx[2]};
    const unsigned t = warp_tid();
    if (t == 0) warp_begin_block(l->block_dim[0] * l->block_dim[1] * l->block_dim[2]);
    [[clang::always_inline]] K(*static_cast<Decay<A>*>(args[I])...);
    warp_thread_exit(t);
  }
};

// ---- signature tables (read by iree-build's code_object::host) --------------
// Each export's parameter types as the compiler sees them: the one record of
// a kernel's C++ signature that survives into the object, and what
// iree-build checks every declaration against (element types, scalar types,
// pointee constness), for every target. Keep in step with
// iree-build/src/code_object/host.rs (`SIG_TYPES_MAGIC`, `TypeClass`).

/// Type classes of a signature record.
enum SigClass : unsigned {
  kSigVoid = 0,
  kSigBool = 1,
  kSigSigned = 2,    // signed integers (and enums with a signed underlying type)
  kSigUnsigned = 3,  // unsigned integers
  kSigFloat = 4,     // IEEE binary floats: _Float16, float, double, long double
  kSigBFloat = 5,    // __bf16
  kSigChar = 6,      // plain `char` (its signedness is the target's)
  kSigPointer = 7,
  kSigRecord = 8,    // struct, class, union
  kSigOther = 9,
};
/// `SigFlags` of a record: qualifiers of a pointer's pointee.
enum SigFlags : unsigned { kSigPointeeConst = 1u, kSigPointeeVolatile = 2u };

/// The class of `T` (cv-qualifiers ignored). Specialise it for a type the
/// rules below misclassify (a half type that is a struct, say).
template <typename T, typename = void>
struct SigClassOf {
  using U = std::remove_cv_t<T>;
  static constexpr unsigned value = [] {
    if constexpr (std::is_void_v<U>) return kSigVoid;
    else if constexpr (std::is_same_v<U, bool>) return kSigBool;
    else if constexpr (std::is_same_v<U, char>) return kSigChar;
    else if constexpr (std::is_enum_v<U>)
      return std::is_signed_v<std::underlying_type_t<U>> ? kSigSigned : kSigUnsigned;
    else if constexpr (std::is_integral_v<U>) return std::is_signed_v<U> ? kSigSigned : kSigUnsigned;
    else if constexpr (std::is_same_v<U, __bf16>) return kSigBFloat;
    else if constexpr (std::is_same_v<U, _Float16> || std::is_floating_point_v<U>) return kSigFloat;
    else if constexpr (std::is_pointer_v<U>) return kSigPointer;
    else if constexpr (std::is_class_v<U> || std::is_union_v<U>) return kSigRecord;
    else return kSigOther;
  }();
};

/// `sizeof`/`alignof` of `T`, 0 for types that have none (void, functions,
/// incomplete structs a kernel only points at).
template <typename T, typename = void>
struct SigSize {
  static constexpr unsigned size = 0, align = 0;
};
template <typename T>
struct SigSize<T, std::void_t<decltype(sizeof(T))>> {
  static constexpr unsigned size = sizeof(T), align = alignof(T);
};

/// One parameter's record: its class, size, alignment, flags, and for a
/// pointer its pointee's class, size and alignment (zeros otherwise).
struct SigType {
  unsigned type_class, size, align, flags, pointee_class, pointee_size, pointee_align;
  template <typename A>
  static constexpr SigType of() {
    if constexpr (std::is_pointer_v<A>) {
      using P = std::remove_pointer_t<A>;
      const unsigned flags = (std::is_const_v<P> ? kSigPointeeConst : 0u) |
                             (std::is_volatile_v<P> ? kSigPointeeVolatile : 0u);
      return SigType{kSigPointer, sizeof(A), alignof(A), flags, SigClassOf<P>::value,
                     SigSize<P>::size, SigSize<P>::align};
    } else {
      return SigType{SigClassOf<A>::value, SigSize<A>::size, SigSize<A>::align, 0, 0, 0, 0};
    }
  }
};
/// Follows the sizes: marks the table as carrying type records.
constexpr unsigned kSigTypesMagic = 0x31545349u;  // "ISTI" little-endian: records v1
constexpr unsigned kSigTypeWords = sizeof(SigType) / sizeof(unsigned);

/// The signature table's layout, as `unsigned` words:
/// `{argc, sizes[max(argc, 1)], kSigTypesMagic, kSigTypeWords,
///   records[max(argc, 1)][kSigTypeWords]}` (a kernel without parameters
/// has one zero size and one zero record). Readers of the sizes alone
/// (`{argc, sizeof(arg0), ...}`) still work: the records come after.
template <typename F>
struct SigTable;
template <typename... A>
struct SigTable<void(A...)> {
  static constexpr size_t kSlots = sizeof...(A) == 0 ? 1 : sizeof...(A);
  unsigned argc = sizeof...(A);
  unsigned sizes[kSlots] = {static_cast<unsigned>(sizeof(A))...};
  unsigned magic = kSigTypesMagic;
  unsigned words = kSigTypeWords;
  SigType types[kSlots] = {SigType::of<A>()...};
};
}  // namespace iree_host

namespace iree_host {
/// The kernel a C++ expression names, as a constant pointer: deduces the one
/// specialization a template-id names (`MatrixMulCUDA<16>`) and accepts a
/// cast that picks an overload.
template <typename... A>
constexpr auto kernel_ptr(void (*k)(A...)) {
  return k;
}
}  // namespace iree_host

/// Exports kernel `k` (`__global__ void k(...)`, `extern "C"` or a C++
/// function that is not overloaded) to the host runtime under its own name:
/// `IREE_HOST_EXPORT_AS(k, k)`.
#define IREE_HOST_EXPORT(k) IREE_HOST_EXPORT_AS(k, k)

/// Exports the kernel the C++ expression after `id` names
/// (`IREE_HOST_EXPORT_AS(id, ns::reduce<float, 256>)`; commas allowed) to the
/// host runtime under the C identifier `id` (`iree_abi::host::export_id` of
/// the declaration's export): block and thread entry points and the
/// signature table `{argc, sizeof(arg0), ..., sizeof(argN-1), <type
/// records>}` (see `SigTable`; a kernel with no parameters gets `{0, 0,
/// ...}`: read only `argc` sizes). The table is an object of a struct type
/// laid out as `unsigned` words (C++ cannot size an array from a parameter
/// pack at namespace scope otherwise). Naming a template instance here is
/// what instantiates it.
#ifdef IREE_HOST_SIGNATURE_ONLY
// iree-build's signature pass (`host` is not a target): only the tables.
#define IREE_HOST_EXPORT_AS(id, ...)                                                   \
  extern "C" const ::iree_host::SigTable<                                              \
      std::remove_pointer_t<decltype(::iree_host::kernel_ptr(__VA_ARGS__))>>           \
      __iree_host_sig_##id = {};
#else
#define IREE_HOST_EXPORT_AS(id, ...)                                                   \
  IREE_HOST_EXPORT_PTR_(id, ::iree_host::kernel_ptr(__VA_ARGS__))
#define IREE_HOST_EXPORT_PTR_(id, p)                                                   \
  extern "C" void __iree_host_block_##id(const HostLaunch* launch, void** args) {     \
    ::iree_host::Entry<decltype(p), p>::block(launch, args);                            \
  }                                                                                    \
  extern "C" void __iree_host_thread_##id(const HostLaunch* launch, void** args) {    \
    ::iree_host::Entry<decltype(p), p>::thread(launch, args);                           \
  }                                                                                    \
  extern "C" const ::iree_host::SigTable<std::remove_pointer_t<decltype(p)>>           \
      __iree_host_sig_##id = {};                                                       \
  IREE_HOST_LOCKSTEP_EXPORT(id, p)
#endif

#endif  // IREE_HOST_HIP_RUNTIME_H_
