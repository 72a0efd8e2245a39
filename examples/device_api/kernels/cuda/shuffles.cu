// Warp shuffles in CUDA spelling: every `__shfl*_sync` form with the full
// mask, default and explicit widths, and a warp sum with hard-coded offsets.
#include <cuda_runtime.h>

#define FULL_MASK 0xffffffffu

extern "C" __global__ void shuffles_cuda(const int* in, int* out, size_t n) {
  const size_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;  // n is a multiple of the block: every lane stays
  const int v = in[i];
  out[4 * i + 0] = __shfl_sync(FULL_MASK, v, 3);
  out[4 * i + 1] = __shfl_up_sync(FULL_MASK, v, 1, 16);
  out[4 * i + 2] = __shfl_down_sync(FULL_MASK, v, 2);
  out[4 * i + 3] = __shfl_xor_sync(FULL_MASK, v, 5, 8);
}

template <typename T>
__device__ T warp_sum(T v) {
  v += __shfl_down_sync(FULL_MASK, v, 16);
  v += __shfl_down_sync(FULL_MASK, v, 8);
  v += __shfl_down_sync(FULL_MASK, v, 4);
  v += __shfl_down_sync(FULL_MASK, v, 2);
  v += __shfl_down_sync(FULL_MASK, v, 1);
  return v;
}

/// One sum per 32 lanes, in lane 0 of each group of 32.
extern "C" __global__ void warp_sums_cuda(const float* in, float* out) {
  const unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
  const float s = warp_sum(in[i]);
  if (threadIdx.x % 32 == 0) out[i / 32] = s;
}
