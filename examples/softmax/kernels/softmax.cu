// Row-wise softmax: out[r, :] = exp(x[r, :] - max) / sum(exp(x[r, :] - max)).
// One block of 256 threads per row. Each thread strides over the row, then
// the block reduces the partial max and sum through shared memory (a tree
// reduction with barriers), the way most hand-written softmax kernels do.
#include <hip/hip_runtime.h>

#define BLOCK 256

extern "C" __global__ void softmax_rows(const float* __restrict__ x,
                                        float* __restrict__ out, int rows,
                                        int cols) {
  __shared__ float scratch[BLOCK];
  int row = blockIdx.x;
  if (row >= rows) return;
  const float* in_row = x + (long)row * cols;
  float* out_row = out + (long)row * cols;
  int tid = threadIdx.x;

  float local_max = -INFINITY;
  for (int c = tid; c < cols; c += BLOCK) local_max = fmaxf(local_max, in_row[c]);
  scratch[tid] = local_max;
  __syncthreads();
  for (int s = BLOCK / 2; s > 0; s >>= 1) {
    if (tid < s) scratch[tid] = fmaxf(scratch[tid], scratch[tid + s]);
    __syncthreads();
  }
  float row_max = scratch[0];
  __syncthreads();

  float local_sum = 0.0f;
  for (int c = tid; c < cols; c += BLOCK) local_sum += expf(in_row[c] - row_max);
  scratch[tid] = local_sum;
  __syncthreads();
  for (int s = BLOCK / 2; s > 0; s >>= 1) {
    if (tid < s) scratch[tid] += scratch[tid + s];
    __syncthreads();
  }
  float inv_sum = 1.0f / scratch[0];

  for (int c = tid; c < cols; c += BLOCK) out_row[c] = expf(in_row[c] - row_max) * inv_sum;
}
