// The device API real kernels use, on AMD `gfx*` over Debian's HIP 5.2
// headers with clang-19: what HIP 5.2 lacks (CUDA's `*_sync` warp
// functions, `__activemask`, `__syncwarp`, `__match_*_sync`, 64-bit signed
// atomicMin/Max, the cache-hint loads and stores) or gets wrong for clang-19
// (`atomicInc`/`atomicDec`, which no longer link; mixed integer
// `min`/`max`, which clang's headers resolve through `double`).
//
// Included by this directory's hip/hip_runtime.h after the system one. See
// docs/TOOLCHAIN.md ("AMD device layer") and docs/DEVICE_API.md.
#ifndef IREE_AMD_DEVICE_H_
#define IREE_AMD_DEVICE_H_

#include <hip/hip_runtime.h>

// ---- warps --------------------------------------------------------------------
// Masks are 64-bit, as in HIP 6: a wavefront has 64 lanes on gfx9 (gfx90a,
// gfx942) and 32 on gfx10+ (gfx1100, gfx1201). A CUDA mask such as
// 0xffffffff converts, and names lanes 0-31. `__ballot_sync` and
// `__activemask` return 64 bits, as HIP's `__ballot` does (on wave32 the
// upper half is 0). The lanes of a wavefront run in lockstep, so the mask
// only selects which lanes a vote counts; `__syncwarp` orders memory.
namespace iree_amd {
/// The value `v` of absolute lane `src` of this wavefront, any trivially
/// copyable type, moved as 32-bit words through `ds_bpermute`.
template <typename T>
__device__ __forceinline__ T lane_value(T v, int src) {
  constexpr int kWords = (sizeof(T) + 3) / 4;
  int w[kWords] = {};
  __builtin_memcpy(w, &v, sizeof(T));
  for (int i = 0; i < kWords; ++i) w[i] = __builtin_amdgcn_ds_bpermute(src << 2, w[i]);
  T out;
  __builtin_memcpy(&out, w, sizeof(T));
  return out;
}
template <typename T>
__device__ __forceinline__ unsigned long long key_bits(T v) {
  static_assert(sizeof(T) <= 8, "__match_*_sync compares values of up to 8 bytes");
  unsigned long long k = 0;
  __builtin_memcpy(&k, &v, sizeof(T));
  return k;
}
}  // namespace iree_amd

__device__ __forceinline__ unsigned long long __activemask() { return __ballot(1); }
__device__ __forceinline__ void __syncwarp(unsigned long long mask = ~0ull) {
  (void)mask;
  __builtin_amdgcn_fence(__ATOMIC_RELEASE, "wavefront");
  __builtin_amdgcn_wave_barrier();
  __builtin_amdgcn_fence(__ATOMIC_ACQUIRE, "wavefront");
}
__device__ __forceinline__ unsigned long long __ballot_sync(unsigned long long mask, int p) {
  return __ballot(p) & mask;
}
__device__ __forceinline__ int __any_sync(unsigned long long mask, int p) {
  return (__ballot(p) & mask) != 0;
}
__device__ __forceinline__ int __all_sync(unsigned long long mask, int p) {
  return (__ballot(p) & mask) == (mask & __activemask());
}

// Lane `src` of the caller's segment of `width` lanes; up/down/xor keep the
// caller's own value where the source lies outside its segment (CUDA's rule).
template <typename T>
__device__ __forceinline__ T __shfl_sync(unsigned long long mask, T v, int src,
                                         int width = warpSize) {
  (void)mask;
  const int self = __lane_id();
  return ::iree_amd::lane_value(v, (src & (width - 1)) + (self & ~(width - 1)));
}
template <typename T>
__device__ __forceinline__ T __shfl_up_sync(unsigned long long mask, T v, unsigned delta,
                                            int width = warpSize) {
  (void)mask;
  const int self = __lane_id();
  const int src = (self & (width - 1)) < int(delta) ? self : self - int(delta);
  return ::iree_amd::lane_value(v, src);
}
template <typename T>
__device__ __forceinline__ T __shfl_down_sync(unsigned long long mask, T v, unsigned delta,
                                              int width = warpSize) {
  (void)mask;
  const int self = __lane_id();
  const int src = (self & (width - 1)) + int(delta) >= width ? self : self + int(delta);
  return ::iree_amd::lane_value(v, src);
}
template <typename T>
__device__ __forceinline__ T __shfl_xor_sync(unsigned long long mask, T v, int lane_mask,
                                             int width = warpSize) {
  (void)mask;
  const int self = __lane_id();
  const int src = self ^ lane_mask;
  return ::iree_amd::lane_value(v, src >= ((self + width) & ~(width - 1)) ? self : src);
}

/// The lanes of `mask` (active ones) holding the caller's value.
template <typename T>
__device__ __forceinline__ unsigned long long __match_any_sync(unsigned long long mask, T v) {
  const unsigned long long key = ::iree_amd::key_bits(v);
  unsigned long long left = mask & __activemask(), mine = 0;
  while (left != 0) {
    const unsigned long long lead = ::iree_amd::lane_value(key, __builtin_ctzll(left));
    const unsigned long long same = __ballot(key == lead) & left;
    if (key == lead) mine = same;
    left &= ~same;
  }
  return mine;
}
/// `mask` if every lane of it holds the same value (and `*pred` = 1), else 0.
template <typename T>
__device__ __forceinline__ unsigned long long __match_all_sync(unsigned long long mask, T v,
                                                               int* pred) {
  const unsigned long long key = ::iree_amd::key_bits(v);
  const unsigned long long live = mask & __activemask();
  const unsigned long long first = ::iree_amd::lane_value(key, __builtin_ctzll(live | (live == 0)));
  const bool all = (__ballot(key == first) & live) == live;
  *pred = all;
  return all ? mask : 0;
}

// ---- atomics ------------------------------------------------------------------
// CUDA's wraparound: inc stores `old >= val ? 0 : old + 1`, dec stores
// `(old == 0 || old > val) ? val : old - 1` (LLVM's uinc_wrap/udec_wrap).
__device__ __forceinline__ unsigned int atomicInc(unsigned int* p, unsigned int val) {
  return __builtin_amdgcn_atomic_inc32(p, val, __ATOMIC_RELAXED, "agent");
}
__device__ __forceinline__ unsigned int atomicDec(unsigned int* p, unsigned int val) {
  return __builtin_amdgcn_atomic_dec32(p, val, __ATOMIC_RELAXED, "agent");
}
__device__ __forceinline__ long long atomicMin(long long* p, long long v) {
  return __hip_atomic_fetch_min(p, v, __ATOMIC_RELAXED, __HIP_MEMORY_SCOPE_AGENT);
}
__device__ __forceinline__ long long atomicMax(long long* p, long long v) {
  return __hip_atomic_fetch_max(p, v, __ATOMIC_RELAXED, __HIP_MEMORY_SCOPE_AGENT);
}
__device__ __forceinline__ long long atomicAnd(long long* p, long long v) {
  return __hip_atomic_fetch_and(p, v, __ATOMIC_RELAXED, __HIP_MEMORY_SCOPE_AGENT);
}
__device__ __forceinline__ long long atomicOr(long long* p, long long v) {
  return __hip_atomic_fetch_or(p, v, __ATOMIC_RELAXED, __HIP_MEMORY_SCOPE_AGENT);
}
__device__ __forceinline__ long long atomicXor(long long* p, long long v) {
  return __hip_atomic_fetch_xor(p, v, __ATOMIC_RELAXED, __HIP_MEMORY_SCOPE_AGENT);
}

// ---- cache hints ----------------------------------------------------------------
// CUDA's load/store cache operators for any type (HIP's own `__ldg` covers
// only its vector and scalar types).
#include "iree_cache_hints.h"

// ---- mixed-type integer min/max -------------------------------------------------
// clang-19's HIP headers resolve `min(int, unsigned)` through a template that
// converts both to `double` (so `min(-1, 3u)` is -1 and 64-bit values lose
// bits). CUDA compares them in the usual arithmetic conversions' type (an
// int/unsigned pair as unsigned): exact non-template overloads for every
// mixed pair of integer types, which win over that template.
#include "iree_minmax.h"

#endif  // IREE_AMD_DEVICE_H_
