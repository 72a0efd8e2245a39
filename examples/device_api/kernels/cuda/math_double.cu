// The CUDA math API for double, in CUDA spelling.
#include <cuda_runtime.h>

#define DOUBLE_RESULTS 10

extern "C" __global__ void math_double_cuda(const double* x, double* out, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const double v = x[i];
  double* o = out + DOUBLE_RESULTS * i;
  o[0] = normcdf(v);
  o[1] = erfinv(v / 4.0);
  o[2] = rsqrt(fabs(v) + 1.0);
  o[3] = exp(v);
  o[4] = fma(v, 2.0, 1.0);
  double s, c;
  sincos(v, &s, &c);
  o[5] = s;
  o[6] = c;
  o[7] = isnan(v / v) ? 1.0 : 0.0;
  o[8] = log1p(fabs(v)) + cbrt(v);
  o[9] = pow(fabs(v), 1.5) + hypot(v, 2.0);
}
