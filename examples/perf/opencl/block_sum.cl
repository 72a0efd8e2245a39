// OpenCL C port of perf's `block_sum` (kernels/reduce.cu): each 256-item
// work-group sums a grid-strided slice of `x` through local memory and
// barriers and writes one partial sum.
#define BLOCK 256

__kernel void block_sum(__global const float* restrict x,
                        __global float* restrict partial, int n) {
  __local float scratch[BLOCK];
  int tid = get_local_id(0);
  float acc = 0.0f;
  for (int i = get_group_id(0) * BLOCK + tid; i < n; i += get_num_groups(0) * BLOCK)
    acc += x[i];
  scratch[tid] = acc;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = BLOCK / 2; s > 0; s >>= 1) {
    if (tid < s) scratch[tid] += scratch[tid + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (tid == 0) partial[get_group_id(0)] = scratch[0];
}
