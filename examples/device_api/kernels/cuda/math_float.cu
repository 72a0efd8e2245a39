// The CUDA math API for float, in CUDA spelling, with constants from
// <math_constants.h>: one result per function per input.
#include <cuda_runtime.h>
#include <math_constants.h>

#define FLOAT_RESULTS 14

extern "C" __global__ void math_float_cuda(const float* x, float* out, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const float v = x[i];
  float* o = out + FLOAT_RESULTS * i;
  o[0] = normcdff(v);
  o[1] = erfinvf(v / 4.0f);
  o[2] = rsqrtf(fabsf(v) + 1.0f);
  o[3] = __expf(v);
  o[4] = __fdividef(v, 3.0f);
  o[5] = fmaf(v, 2.0f, 1.0f);
  float s, c;
  sincosf(v, &s, &c);
  o[6] = s;
  o[7] = c;
  o[8] = isnan(v / v) ? 1.0f : 0.0f;
  o[9] = isinf(v * CUDART_INF_F) ? 1.0f : 0.0f;
  o[10] = erff(v);
  o[11] = expf(v) + logf(fabsf(v) + 1.0f);
  o[12] = sqrtf(fabsf(v)) * CUDART_PI_F;
  o[13] = fminf(v, 0.5f) + fmaxf(v, -0.5f) + min(v, 1.0f);
}
