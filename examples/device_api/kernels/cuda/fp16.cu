// fp16 in CUDA spelling: conversions, `__h*` arithmetic and comparisons,
// `h*` math, `__half2` lanes, operators.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

/// Per element, 8 halves: a+b, a*b, fma(a, b, a), -a, hexp(a), hsqrt(|a|),
/// (a + b) with operators, low+high of a __half2 sum; flags: a<b, a==b, isnan(a).
extern "C" __global__ void fp16_cuda(const __half* a, const __half* b, __half* out, int* flags,
                                     int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const __half x = a[i], y = b[i];
  out[8 * i + 0] = __hadd(x, y);
  out[8 * i + 1] = __hmul(x, y);
  out[8 * i + 2] = __hfma(x, y, x);
  out[8 * i + 3] = __hneg(x);
  out[8 * i + 4] = hexp(x);
  out[8 * i + 5] = hsqrt(__habs(x));
  out[8 * i + 6] = __float2half(__half2float(x) + __half2float(y));
  const __half2 s = __hadd2(__halves2half2(x, y), __halves2half2(y, x));
  out[8 * i + 7] = __hadd(__low2half(s), __high2half(s));
  flags[3 * i + 0] = __hlt(x, y);
  flags[3 * i + 1] = __heq(x, y);
  flags[3 * i + 2] = __hisnan(x);
}
