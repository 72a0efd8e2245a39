// hip/hip_fp16.h (and CUDA's cuda_fp16.h) on the host: `__half` is the
// CPU's IEEE binary16 (`_Float16`, arithmetic in float precision and
// rounded to nearest even, as a GPU's half instructions round), `__half2`
// a pair of them, and the conversion, arithmetic, comparison and math
// intrinsics of HIP/CUDA over them. A `_Float16` is a floating type of 2
// bytes to the signature tables: `DeviceSlice<half::f16>` on the Rust side.
#ifndef IREE_HOST_HIP_FP16_H_
#define IREE_HOST_HIP_FP16_H_

#include "hip_runtime.h"

typedef _Float16 __half;
typedef _Float16 half;
struct __half2 {
  __half x, y;
};
typedef __half2 half2;
struct __half_raw {
  unsigned short x;
};

#define IREE_HALF_FN static __forceinline__
// ---- conversions --------------------------------------------------------------
IREE_HALF_FN __half __float2half(float f) { return __half(f); }
IREE_HALF_FN __half __float2half_rn(float f) { return __half(f); }
IREE_HALF_FN __half __double2half(double d) { return __half(d); }
IREE_HALF_FN float __half2float(__half h) { return float(h); }
IREE_HALF_FN __half __int2half_rn(int i) { return __half(i); }
IREE_HALF_FN __half __uint2half_rn(unsigned i) { return __half(i); }
IREE_HALF_FN int __half2int_rz(__half h) { return int(h); }
IREE_HALF_FN int __half2int_rn(__half h) { return int(nearbyintf(float(h))); }
IREE_HALF_FN unsigned short __half_as_ushort(__half h) {
  unsigned short u;
  memcpy(&u, &h, 2);
  return u;
}
IREE_HALF_FN short __half_as_short(__half h) { return short(__half_as_ushort(h)); }
IREE_HALF_FN __half __ushort_as_half(unsigned short u) {
  __half h;
  memcpy(&h, &u, 2);
  return h;
}
IREE_HALF_FN __half __short_as_half(short s) { return __ushort_as_half((unsigned short)s); }
IREE_HALF_FN __half2 __halves2half2(__half a, __half b) { return __half2{a, b}; }
IREE_HALF_FN __half2 __half2half2(__half a) { return __half2{a, a}; }
IREE_HALF_FN __half2 __float2half2_rn(float f) { return __half2half2(__half(f)); }
IREE_HALF_FN __half2 __floats2half2_rn(float a, float b) { return __half2{__half(a), __half(b)}; }
IREE_HALF_FN __half __low2half(__half2 v) { return v.x; }
IREE_HALF_FN __half __high2half(__half2 v) { return v.y; }
IREE_HALF_FN float __low2float(__half2 v) { return float(v.x); }
IREE_HALF_FN float __high2float(__half2 v) { return float(v.y); }

// ---- arithmetic and comparisons --------------------------------------------------
IREE_HALF_FN __half __hadd(__half a, __half b) { return a + b; }
IREE_HALF_FN __half __hsub(__half a, __half b) { return a - b; }
IREE_HALF_FN __half __hmul(__half a, __half b) { return a * b; }
IREE_HALF_FN __half __hdiv(__half a, __half b) { return a / b; }
IREE_HALF_FN __half __hneg(__half a) { return -a; }
IREE_HALF_FN __half __habs(__half a) { return __ushort_as_half(__half_as_ushort(a) & 0x7fffu); }
/// One rounding, as the GPU's fused half multiply-add.
IREE_HALF_FN __half __hfma(__half a, __half b, __half c) {
  return __half(fma(double(a), double(b), double(c)));
}
IREE_HALF_FN __half __hmax(__half a, __half b) { return __half(fmaxf(float(a), float(b))); }
IREE_HALF_FN __half __hmin(__half a, __half b) { return __half(fminf(float(a), float(b))); }
IREE_HALF_FN bool __heq(__half a, __half b) { return a == b; }
IREE_HALF_FN bool __hne(__half a, __half b) { return a != b; }
IREE_HALF_FN bool __hlt(__half a, __half b) { return a < b; }
IREE_HALF_FN bool __hle(__half a, __half b) { return a <= b; }
IREE_HALF_FN bool __hgt(__half a, __half b) { return a > b; }
IREE_HALF_FN bool __hge(__half a, __half b) { return a >= b; }
IREE_HALF_FN bool __hisnan(__half a) { return a != a; }
IREE_HALF_FN int __hisinf(__half a) {
  const unsigned short u = __half_as_ushort(a);
  return u == 0x7c00u ? 1 : (u == 0xfc00u ? -1 : 0);
}
IREE_HALF_FN __half2 __hadd2(__half2 a, __half2 b) { return __half2{a.x + b.x, a.y + b.y}; }
IREE_HALF_FN __half2 __hsub2(__half2 a, __half2 b) { return __half2{a.x - b.x, a.y - b.y}; }
IREE_HALF_FN __half2 __hmul2(__half2 a, __half2 b) { return __half2{a.x * b.x, a.y * b.y}; }
IREE_HALF_FN __half2 __h2div(__half2 a, __half2 b) { return __half2{a.x / b.x, a.y / b.y}; }
IREE_HALF_FN __half2 __hfma2(__half2 a, __half2 b, __half2 c) {
  return __half2{__hfma(a.x, b.x, c.x), __hfma(a.y, b.y, c.y)};
}
IREE_HALF_FN __half2 __hneg2(__half2 a) { return __half2{-a.x, -a.y}; }
IREE_HALF_FN __half2 operator+(__half2 a, __half2 b) { return __hadd2(a, b); }
IREE_HALF_FN __half2 operator-(__half2 a, __half2 b) { return __hsub2(a, b); }
IREE_HALF_FN __half2 operator*(__half2 a, __half2 b) { return __hmul2(a, b); }
IREE_HALF_FN __half2 operator/(__half2 a, __half2 b) { return __h2div(a, b); }

// ---- math (computed in float, rounded once to half) -------------------------------
#define IREE_HALF_MATH(name, f)                                            \
  IREE_HALF_FN __half h##name(__half a) { return __half(f(float(a))); }    \
  IREE_HALF_FN __half2 h2##name(__half2 a) { return __half2{h##name(a.x), h##name(a.y)}; }
IREE_HALF_MATH(exp, expf)
IREE_HALF_MATH(exp2, exp2f)
IREE_HALF_MATH(exp10, exp10f)
IREE_HALF_MATH(log, logf)
IREE_HALF_MATH(log2, log2f)
IREE_HALF_MATH(log10, log10f)
IREE_HALF_MATH(sqrt, sqrtf)
IREE_HALF_MATH(sin, sinf)
IREE_HALF_MATH(cos, cosf)
IREE_HALF_MATH(trunc, truncf)
IREE_HALF_MATH(floor, floorf)
IREE_HALF_MATH(ceil, ceilf)
IREE_HALF_MATH(rint, rintf)
#undef IREE_HALF_MATH
IREE_HALF_FN __half hrsqrt(__half a) { return __half(1.0f / sqrtf(float(a))); }
IREE_HALF_FN __half hrcp(__half a) { return __half(1.0f / float(a)); }
#undef IREE_HALF_FN

#endif  // IREE_HOST_HIP_FP16_H_
