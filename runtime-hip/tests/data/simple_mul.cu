#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#if defined(__NVPTX__)
#define TID __nvvm_read_ptx_sreg_tid_x()
#define BID __nvvm_read_ptx_sreg_ctaid_x()
#define BDIM __nvvm_read_ptx_sreg_ntid_x()
#else
#define TID __builtin_amdgcn_workitem_id_x()
#define BID __builtin_amdgcn_workgroup_id_x()
#define BDIM __builtin_amdgcn_workgroup_size_x()
#endif
extern "C" __global__ void simple_mul(const float* __restrict__ lhs, const float* __restrict__ rhs, float* __restrict__ ret, int dim) {
  int tid = BID * BDIM + TID;
  if (tid < dim) ret[tid] = lhs[tid] * rhs[tid];
}
extern "C" __global__ void simple_mul_inplace(const float* __restrict__ lhs, float* __restrict__ rhs, int dim) {
  int tid = BID * BDIM + TID;
  if (tid < dim) rhs[tid] *= lhs[tid];
}
