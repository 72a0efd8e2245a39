#include <hip/hip_runtime.h>

// Adds the sum of `in[0..n)` to `*total`. Each block reduces its
// grid-stride share in dynamic shared memory (one float per thread), adds
// its sum to `*total` and, when `partial_sums` is not NULL, also stores it
// in `partial_sums[blockIdx.x]` (the launch gives one slot per block).
extern "C" __global__ void block_reduce(const float* __restrict__ in, float* __restrict__ total,
                                        float* __restrict__ partial_sums /* may be NULL */,
                                        int n) {
  HIP_DYNAMIC_SHARED(float, sdata);
  unsigned t = threadIdx.x;
  float acc = 0.0f;
  for (int i = blockIdx.x * blockDim.x + t; i < n; i += gridDim.x * blockDim.x) {
    acc += in[i];
  }
  sdata[t] = acc;
  __syncthreads();
  for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
    if (t < s) {
      sdata[t] += sdata[t + s];
    }
    __syncthreads();
  }
  if (t == 0) {
    atomicAdd(total, sdata[0]);
    if (partial_sums != nullptr) {
      partial_sums[blockIdx.x] = sdata[0];
    }
  }
}

// `out[r, :] = reverse(in[r, :])` for rows of `width` ints, one block per
// row: the row is staged in dynamic shared memory of `width` ints, which the
// launch sizes from `width`.
extern "C" __global__ void reverse_rows(const int* __restrict__ in, int* __restrict__ out,
                                        int width) {
  extern __shared__ int row[];
  const int* src = in + (size_t)blockIdx.x * width;
  for (int i = threadIdx.x; i < width; i += blockDim.x) {
    row[i] = src[i];
  }
  __syncthreads();
  int* dst = out + (size_t)blockIdx.x * width;
  for (int i = threadIdx.x; i < width; i += blockDim.x) {
    dst[i] = row[width - 1 - i];
  }
}
