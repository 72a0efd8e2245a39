// hip/hip_bfloat16.h on the host: `hip_bfloat16` as HIP defines it (the 16
// upper bits of an IEEE float in `data`; from float rounding to nearest
// even, NaNs kept quiet; arithmetic in float), so results match the GPU's
// bit for bit. CUDA's `__nv_bfloat16` is this type (cuda_bf16.h). A brain
// float of 2 bytes to the signature tables: `DeviceSlice<half::bf16>`.
#ifndef IREE_HOST_HIP_BFLOAT16_H_
#define IREE_HOST_HIP_BFLOAT16_H_

#include "hip_runtime.h"

struct hip_bfloat16 {
  unsigned short data;

  hip_bfloat16() = default;
  explicit hip_bfloat16(float f) : data(round(f)) {}
  operator float() const {
    const unsigned u = unsigned(data) << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
  }
  /// Round to nearest even; a NaN stays a (quiet) NaN.
  static unsigned short round(float f) {
    unsigned u;
    memcpy(&u, &f, 4);
    if (~u & 0x7f800000u)
      u += 0x7fffu + ((u >> 16) & 1u);
    else if (u & 0xffffu)
      u |= 0x10000u;
    return (unsigned short)(u >> 16);
  }
};
static_assert(sizeof(hip_bfloat16) == 2, "hip_bfloat16 is 2 bytes");

#define IREE_BF16_OP(op)                                                            \
  static __forceinline__ hip_bfloat16 operator op(hip_bfloat16 a, hip_bfloat16 b) { \
    return hip_bfloat16(float(a) op float(b));                                      \
  }                                                                                 \
  static __forceinline__ hip_bfloat16& operator op##=(hip_bfloat16& a, hip_bfloat16 b) { \
    return a = a op b;                                                              \
  }
IREE_BF16_OP(+)
IREE_BF16_OP(-)
IREE_BF16_OP(*)
IREE_BF16_OP(/)
#undef IREE_BF16_OP
static __forceinline__ hip_bfloat16 operator-(hip_bfloat16 a) {
  a.data ^= 0x8000u;
  return a;
}
#define IREE_BF16_CMP(op) \
  static __forceinline__ bool operator op(hip_bfloat16 a, hip_bfloat16 b) { return float(a) op float(b); }
IREE_BF16_CMP(<)
IREE_BF16_CMP(>)
IREE_BF16_CMP(<=)
IREE_BF16_CMP(>=)
IREE_BF16_CMP(==)
IREE_BF16_CMP(!=)
#undef IREE_BF16_CMP

namespace iree_host {
/// A brain float to the signature tables, though a struct here.
template <>
struct SigClassOf<hip_bfloat16, void> {
  static constexpr unsigned value = kSigBFloat;
};
template <>
struct SigClassOf<const hip_bfloat16, void> {
  static constexpr unsigned value = kSigBFloat;
};
}  // namespace iree_host

#endif  // IREE_HOST_HIP_BFLOAT16_H_
