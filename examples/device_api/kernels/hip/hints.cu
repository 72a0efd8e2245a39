// Cache hints and launch bounds in HIP spelling (`__ldg`, two-argument
// `__launch_bounds__`).
#include <hip/hip_runtime.h>

extern "C" __global__ void __launch_bounds__(128, 2) hints_hip(const int* a, int* out, int n) {
  const int i = hipBlockIdx_x * hipBlockDim_x + hipThreadIdx_x;
  if (i < n) out[i] = __ldg(a + i) * 3;
}
