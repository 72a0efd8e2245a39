// Tiled single-precision matrix multiply: C[M x N] = A[M x K] * B[K x N],
// all row-major. Each 16x16 block computes one 16x16 tile of C, staging
// tiles of A and B through shared memory so every global element is read
// K/16 times instead of K times. Handles sizes that are not multiples of 16.
#include <hip/hip_runtime.h>

#define TILE 16

extern "C" __global__ void matmul_tiled(const float* __restrict__ a,
                                        const float* __restrict__ b,
                                        float* __restrict__ c, int m, int n,
                                        int k) {
  __shared__ float a_tile[TILE][TILE];
  __shared__ float b_tile[TILE][TILE];

  int row = blockIdx.y * TILE + threadIdx.y;
  int col = blockIdx.x * TILE + threadIdx.x;
  float acc = 0.0f;

  for (int t = 0; t < k; t += TILE) {
    int a_col = t + threadIdx.x;
    int b_row = t + threadIdx.y;
    a_tile[threadIdx.y][threadIdx.x] =
        (row < m && a_col < k) ? a[row * k + a_col] : 0.0f;
    b_tile[threadIdx.y][threadIdx.x] =
        (b_row < k && col < n) ? b[b_row * n + col] : 0.0f;
    __syncthreads();
    for (int i = 0; i < TILE; ++i) {
      acc += a_tile[threadIdx.y][i] * b_tile[i][threadIdx.x];
    }
    __syncthreads();
  }
  if (row < m && col < n) {
    c[row * n + col] = acc;
  }
}
