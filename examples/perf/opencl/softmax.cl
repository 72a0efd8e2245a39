// OpenCL C port of the softmax example's `softmax_rows` (kernels/softmax.cu):
// one 256-item work-group per row; each item strides over the row, then the
// group reduces the partial max and sum through local memory and barriers.
#define BLOCK 256

__kernel void softmax_rows(__global const float* restrict x,
                           __global float* restrict out, int rows, int cols) {
  __local float scratch[BLOCK];
  int row = get_group_id(0);
  if (row >= rows) return;
  __global const float* in_row = x + (long)row * cols;
  __global float* out_row = out + (long)row * cols;
  int tid = get_local_id(0);

  float local_max = -INFINITY;
  for (int c = tid; c < cols; c += BLOCK) local_max = fmax(local_max, in_row[c]);
  scratch[tid] = local_max;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = BLOCK / 2; s > 0; s >>= 1) {
    if (tid < s) scratch[tid] = fmax(scratch[tid], scratch[tid + s]);
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  float row_max = scratch[0];
  barrier(CLK_LOCAL_MEM_FENCE);

  float local_sum = 0.0f;
  for (int c = tid; c < cols; c += BLOCK) local_sum += exp(in_row[c] - row_max);
  scratch[tid] = local_sum;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = BLOCK / 2; s > 0; s >>= 1) {
    if (tid < s) scratch[tid] += scratch[tid + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  float inv_sum = 1.0f / scratch[0];

  for (int c = tid; c < cols; c += BLOCK) out_row[c] = exp(in_row[c] - row_max) * inv_sum;
}
