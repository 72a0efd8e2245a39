// HIP-spelled kernels as HIP code (ROCm's examples, ports of CUDA code)
// writes them, for the HIP -> CUDA mapping iree-build gives sm_*: HIP's
// built-in variable names, HIP_DYNAMIC_SHARED, the maskless warp functions
// (__shfl_down, __shfl_xor, __ballot, __any), HIP's fp16 and bf16 headers
// and type names, cooperative groups through hip_cooperative_groups.h,
// atomics, __lane_id.
#include <hip/hip_runtime.h>
#include <hip/hip_fp16.h>
#include <hip/hip_bf16.h>
#include <hip/hip_cooperative_groups.h>

namespace cg = cooperative_groups;

template <unsigned int BlockSize>
__global__ void block_reduce(const float* __restrict__ in, float* __restrict__ out, size_t n) {
  HIP_DYNAMIC_SHARED(float, sdata)
  const size_t i = hipBlockIdx_x * (size_t)hipBlockDim_x + hipThreadIdx_x;
  float v = i < n ? in[i] : 0.0f;
  v += __shfl_down(v, 16);
  v += __shfl_down(v, 8);
  v += __shfl_down(v, 4);
  v += __shfl_down(v, 2);
  v += __shfl_down(v, 1);
  if (__lane_id() == 0) sdata[hipThreadIdx_x / warpSize] = v;
  __syncthreads();
  if (hipThreadIdx_x == 0) {
    float s = 0.0f;
    for (unsigned int w = 0; w < BlockSize / 32; ++w) s += sdata[w];
    atomicAdd(out, s);
  }
}
template __global__ void block_reduce<256>(const float* __restrict__, float* __restrict__, size_t);

extern "C" __global__ void count_positive(const float* __restrict__ x, unsigned long long* counts,
                                          int n) {
  const int i = hipBlockIdx_x * hipBlockDim_x + hipThreadIdx_x;
  const bool pos = i < n && x[i] > 0.0f;
  const unsigned long long lanes = __ballot(pos);
  if (__any(pos) && __lane_id() == 0) atomicAdd(counts, (unsigned long long)__popcll(lanes));
  float w = pos ? 1.0f : 0.0f;
  w += __shfl_xor(w, 1);
  if (w > 1.5f) atomicMax((int*)counts + 2, i);
}

extern "C" __global__ void half_axpy(__half* __restrict__ y, const __half* __restrict__ x,
                                     float alpha, int n) {
  const int i = hipBlockIdx_x * hipBlockDim_x + hipThreadIdx_x;
  if (i < n) y[i] = __float2half(alpha * __half2float(x[i]) + __half2float(y[i]));
}

extern "C" __global__ void bf16_scale(__hip_bfloat16* __restrict__ out,
                                      const hip_bfloat16* __restrict__ in, float s, int n) {
  const int i = hipBlockIdx_x * hipBlockDim_x + hipThreadIdx_x;
  if (i < n) out[i] = __float2bfloat16(__bfloat162float(in[i]) * s);
}

extern "C" __global__ void tile_sum(const int* __restrict__ in, int* __restrict__ out) {
  cg::thread_block block = cg::this_thread_block();
  cg::thread_block_tile<32> tile = cg::tiled_partition<32>(block);
  int v = in[block.group_index().x * block.size() + block.thread_rank()];
  for (int offset = tile.size() / 2; offset > 0; offset /= 2) v += tile.shfl_down(v, offset);
  if (tile.thread_rank() == 0) atomicAdd(out, v);
  block.sync();
}
