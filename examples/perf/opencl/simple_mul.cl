// OpenCL C port of custom_dispatch's `simple_mul` (kernels/kernels.cu):
// `ret = lhs * rhs`, one work-item per element, work-groups of 64.
__kernel void simple_mul(__global const float* restrict lhs,
                         __global const float* restrict rhs,
                         __global float* restrict ret, int dim) {
  int tid = get_global_id(0);
  if (tid < dim) {
    ret[tid] = lhs[tid] * rhs[tid];
  }
}
