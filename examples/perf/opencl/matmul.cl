// OpenCL C port of the matmul example's `matmul_tiled` (kernels/matmul.cu):
// C[M x N] = A[M x K] * B[K x N], row-major; one 16x16 work-group per 16x16
// tile of C, staging tiles of A and B through local memory.
#define TILE 16

__kernel void matmul_tiled(__global const float* restrict a,
                           __global const float* restrict b,
                           __global float* restrict c, int m, int n, int k) {
  __local float a_tile[TILE][TILE];
  __local float b_tile[TILE][TILE];

  int tx = get_local_id(0), ty = get_local_id(1);
  int row = get_group_id(1) * TILE + ty;
  int col = get_group_id(0) * TILE + tx;
  float acc = 0.0f;

  for (int t = 0; t < k; t += TILE) {
    int a_col = t + tx;
    int b_row = t + ty;
    a_tile[ty][tx] = (row < m && a_col < k) ? a[row * k + a_col] : 0.0f;
    b_tile[ty][tx] = (b_row < k && col < n) ? b[b_row * n + col] : 0.0f;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int i = 0; i < TILE; ++i) {
      acc += a_tile[ty][i] * b_tile[i][tx];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (row < m && col < n) {
    c[row * n + col] = acc;
  }
}
