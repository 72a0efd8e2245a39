// Float and double math in HIP spelling: the same functions through
// <hip/hip_runtime.h>.
#include <hip/hip_runtime.h>

extern "C" __global__ void math_hip(const float* xf, const double* xd, float* of, double* od,
                                    int n) {
  const int i = hipBlockIdx_x * hipBlockDim_x + hipThreadIdx_x;
  if (i >= n) return;
  of[3 * i + 0] = normcdff(xf[i]);
  of[3 * i + 1] = rsqrtf(fabsf(xf[i]) + 1.0f);
  of[3 * i + 2] = __fdividef(xf[i], 7.0f);
  od[2 * i + 0] = normcdf(xd[i]);
  od[2 * i + 1] = erfinv(xd[i] / 4.0);
}
