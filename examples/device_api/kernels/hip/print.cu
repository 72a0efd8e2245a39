// Device printf in HIP spelling.
#include <hip/hip_runtime.h>

extern "C" __global__ void print_hip(int* out, int n) {
  const int i = hipBlockIdx_x * hipBlockDim_x + hipThreadIdx_x;
  if (hipThreadIdx_x == 0) printf("device_api: hip block %u (%f)\n", unsigned(hipBlockIdx_x), 1.5);
  if (i < n) out[i] = -i;
}
