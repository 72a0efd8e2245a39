// bf16 in CUDA spelling (<cuda_bf16.h>): `__nv_bfloat16` conversions,
// arithmetic intrinsics and comparisons.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

/// Per element, 4 bf16s: bf16(x), a+b, a*b, fma(a, b, a); a flag for a < b.
extern "C" __global__ void bf16_cuda(const float* x, const __nv_bfloat16* a,
                                     const __nv_bfloat16* b, __nv_bfloat16* out, int* lt,
                                     int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  out[4 * i + 0] = __float2bfloat16(x[i]);
  out[4 * i + 1] = __hadd(a[i], b[i]);
  out[4 * i + 2] = __hmul(a[i], b[i]);
  out[4 * i + 3] = __hfma(a[i], b[i], a[i]);
  lt[i] = __hlt(a[i], b[i]);
}
