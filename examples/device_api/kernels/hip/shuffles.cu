// Warp shuffles in HIP spelling: the legacy mask-less forms HIP code uses.
#include <hip/hip_runtime.h>

extern "C" __global__ void shuffles_hip(const int* in, int* out, size_t n) {
  const size_t i = hipBlockIdx_x * hipBlockDim_x + hipThreadIdx_x;
  if (i >= n) return;
  const int v = in[i];
  out[4 * i + 0] = __shfl(v, 3, 32);
  out[4 * i + 1] = __shfl_up(v, 1, 16);
  out[4 * i + 2] = __shfl_down(v, 2, 32);
  out[4 * i + 3] = __shfl_xor(v, 5, 8);
}
