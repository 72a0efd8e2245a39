// Device printf in CUDA spelling: thread 0 of each block prints, every
// thread writes its index (so the test sees the kernel ran).
#include <cstdio>
#include <cuda_runtime.h>

extern "C" __global__ void print_cuda(int* out, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (threadIdx.x == 0) printf("device_api: block %d of %d, %s\n", int(blockIdx.x), int(gridDim.x), "printf");
  if (i < n) out[i] = i;
}
