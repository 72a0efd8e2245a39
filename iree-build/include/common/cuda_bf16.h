// CUDA's <cuda_bf16.h> for AMD `gfx*` and the host: `__nv_bfloat16` is
// HIP's `hip_bfloat16` (16 bits, conversions from float rounding to
// nearest even), with CUDA's conversion and arithmetic intrinsics over it.
#ifndef IREE_CUDA_BF16_H_
#define IREE_CUDA_BF16_H_

#include <hip/hip_runtime.h>
#include <hip/hip_bfloat16.h>

typedef hip_bfloat16 __nv_bfloat16;
typedef hip_bfloat16 nv_bfloat16;

#define IREE_BF16_FN static __device__ __forceinline__
IREE_BF16_FN __nv_bfloat16 __float2bfloat16(float f) { return __nv_bfloat16(f); }
IREE_BF16_FN __nv_bfloat16 __float2bfloat16_rn(float f) { return __nv_bfloat16(f); }
IREE_BF16_FN __nv_bfloat16 __double2bfloat16(double d) { return __nv_bfloat16(float(d)); }
IREE_BF16_FN float __bfloat162float(__nv_bfloat16 b) { return float(b); }
IREE_BF16_FN __nv_bfloat16 __int2bfloat16_rn(int i) { return __nv_bfloat16(float(i)); }
IREE_BF16_FN int __bfloat162int_rz(__nv_bfloat16 b) { return int(float(b)); }
IREE_BF16_FN unsigned short __bfloat16_as_ushort(__nv_bfloat16 b) { return b.data; }
IREE_BF16_FN short __bfloat16_as_short(__nv_bfloat16 b) { return short(b.data); }
IREE_BF16_FN __nv_bfloat16 __ushort_as_bfloat16(unsigned short u) {
  __nv_bfloat16 b;
  b.data = u;
  return b;
}
IREE_BF16_FN __nv_bfloat16 __hadd(__nv_bfloat16 a, __nv_bfloat16 b) { return a + b; }
IREE_BF16_FN __nv_bfloat16 __hsub(__nv_bfloat16 a, __nv_bfloat16 b) { return a - b; }
IREE_BF16_FN __nv_bfloat16 __hmul(__nv_bfloat16 a, __nv_bfloat16 b) { return a * b; }
IREE_BF16_FN __nv_bfloat16 __hdiv(__nv_bfloat16 a, __nv_bfloat16 b) { return a / b; }
IREE_BF16_FN __nv_bfloat16 __hneg(__nv_bfloat16 a) { return __ushort_as_bfloat16(a.data ^ 0x8000u); }
IREE_BF16_FN __nv_bfloat16 __habs(__nv_bfloat16 a) { return __ushort_as_bfloat16(a.data & 0x7fffu); }
IREE_BF16_FN __nv_bfloat16 __hfma(__nv_bfloat16 a, __nv_bfloat16 b, __nv_bfloat16 c) {
  return __nv_bfloat16(fmaf(float(a), float(b), float(c)));
}
IREE_BF16_FN __nv_bfloat16 __hmax(__nv_bfloat16 a, __nv_bfloat16 b) { return __nv_bfloat16(fmaxf(float(a), float(b))); }
IREE_BF16_FN __nv_bfloat16 __hmin(__nv_bfloat16 a, __nv_bfloat16 b) { return __nv_bfloat16(fminf(float(a), float(b))); }
IREE_BF16_FN bool __heq(__nv_bfloat16 a, __nv_bfloat16 b) { return float(a) == float(b); }
IREE_BF16_FN bool __hne(__nv_bfloat16 a, __nv_bfloat16 b) { return float(a) != float(b); }
IREE_BF16_FN bool __hlt(__nv_bfloat16 a, __nv_bfloat16 b) { return float(a) < float(b); }
IREE_BF16_FN bool __hle(__nv_bfloat16 a, __nv_bfloat16 b) { return float(a) <= float(b); }
IREE_BF16_FN bool __hgt(__nv_bfloat16 a, __nv_bfloat16 b) { return float(a) > float(b); }
IREE_BF16_FN bool __hge(__nv_bfloat16 a, __nv_bfloat16 b) { return float(a) >= float(b); }
IREE_BF16_FN bool __hisnan(__nv_bfloat16 a) { return (a.data & 0x7fffu) > 0x7f80u; }
IREE_BF16_FN __nv_bfloat16 hexp(__nv_bfloat16 a) { return __nv_bfloat16(expf(float(a))); }
IREE_BF16_FN __nv_bfloat16 hlog(__nv_bfloat16 a) { return __nv_bfloat16(logf(float(a))); }
IREE_BF16_FN __nv_bfloat16 hsqrt(__nv_bfloat16 a) { return __nv_bfloat16(sqrtf(float(a))); }
#undef IREE_BF16_FN

#endif  // IREE_CUDA_BF16_H_
