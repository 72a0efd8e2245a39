// Warp votes in HIP spelling: `__ballot`, `__any`, `__all` over the warp's
// active lanes, `__activemask()` as HIP's 64-bit lane mask.
#include <hip/hip_runtime.h>

extern "C" __global__ void votes_hip(const int* in, unsigned long long* out, unsigned live) {
  const unsigned i = hipBlockIdx_x * hipBlockDim_x + hipThreadIdx_x;
  if (hipThreadIdx_x % 32 >= live) return;
  const int p = in[i] > 0;
  out[4 * i + 0] = __ballot(p);
  out[4 * i + 1] = __any(p);
  out[4 * i + 2] = __all(p);
  out[4 * i + 3] = __activemask();
}
