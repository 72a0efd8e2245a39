// Warp votes in CUDA spelling. Lanes at or past `live` of each warp return
// first, so `__activemask()` and the ballots see only the others.
#include <cuda_runtime.h>

extern "C" __global__ void votes_cuda(const int* in, unsigned long long* out, unsigned live) {
  const unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
  const unsigned lane = threadIdx.x % 32;
  if (lane >= live) return;
  const unsigned mask = __activemask();
  const int p = in[i] > 0;
  out[4 * i + 0] = __ballot_sync(mask, p);
  out[4 * i + 1] = __any_sync(mask, p);
  out[4 * i + 2] = __all_sync(mask, p);
  __syncwarp(mask);
  out[4 * i + 3] = mask;
}
