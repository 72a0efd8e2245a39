// Warp-level kernels for the host platform's warp figures (src/warps.rs), in
// the shapes training and inference code writes them: a block sum with the
// shuffle offsets written out, and one warp per row for softmax and layer
// norm.
#include <cooperative_groups.h>
#include <hip/hip_runtime.h>

namespace cg = cooperative_groups;

__device__ float block_sum_32(float v) {
  __shared__ float partial[32];
  v += __shfl_down_sync(0xffffffff, v, 16);
  v += __shfl_down_sync(0xffffffff, v, 8);
  v += __shfl_down_sync(0xffffffff, v, 4);
  v += __shfl_down_sync(0xffffffff, v, 2);
  v += __shfl_down_sync(0xffffffff, v, 1);
  const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  v = threadIdx.x < blockDim.x / 32 ? partial[lane] : 0.0f;
  if (warp == 0) {
    v += __shfl_down_sync(0xffffffff, v, 16);
    v += __shfl_down_sync(0xffffffff, v, 8);
    v += __shfl_down_sync(0xffffffff, v, 4);
    v += __shfl_down_sync(0xffffffff, v, 2);
    v += __shfl_down_sync(0xffffffff, v, 1);
  }
  return v;
}

// One partial sum per block of a grid-stride loop.
extern "C" __global__ void shfl_block_sum(const float* __restrict__ in, float* __restrict__ partial,
                                          int n) {
  float v = 0.0f;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
    v += in[i];
  v = block_sum_32(v);
  if (threadIdx.x == 0) partial[blockIdx.x] = v;
}

// One warp per row: max and sum by xor butterflies.
extern "C" __global__ void softmax_warp(const float* __restrict__ in, float* __restrict__ out,
                                        int rows, int cols) {
  const int row = blockIdx.x * (blockDim.x / warpSize) + threadIdx.x / warpSize;
  const int lane = threadIdx.x % warpSize;
  if (row >= rows) return;
  const float* x = in + (size_t)row * cols;
  float m = -INFINITY;
  for (int c = lane; c < cols; c += warpSize) m = fmaxf(m, x[c]);
  for (int o = warpSize / 2; o > 0; o /= 2) m = fmaxf(m, __shfl_xor_sync(0xffffffff, m, o));
  float s = 0.0f;
  for (int c = lane; c < cols; c += warpSize) s += expf(x[c] - m);
  for (int o = warpSize / 2; o > 0; o /= 2) s += __shfl_xor_sync(0xffffffff, s, o);
  const float inv = 1.0f / s;
  for (int c = lane; c < cols; c += warpSize) out[(size_t)row * cols + c] = expf(x[c] - m) * inv;
}

// One warp per row: mean and variance by cg::reduce over a 32-lane tile.
extern "C" __global__ void layernorm_warp(const float* __restrict__ in, float* __restrict__ out,
                                          int rows, int cols) {
  auto warp = cg::tiled_partition<32>(cg::this_thread_block());
  const int row = blockIdx.x * warp.meta_group_size() + warp.meta_group_rank();
  if (row >= rows) return;
  const float* x = in + (size_t)row * cols;
  float s = 0.0f;
  for (int c = warp.thread_rank(); c < cols; c += 32) s += x[c];
  const float mean = cg::reduce(warp, s, cg::plus<float>()) / cols;
  float q = 0.0f;
  for (int c = warp.thread_rank(); c < cols; c += 32) q += (x[c] - mean) * (x[c] - mean);
  const float rstd = rsqrtf(cg::reduce(warp, q, cg::plus<float>()) / cols + 1e-5f);
  for (int c = warp.thread_rank(); c < cols; c += 32)
    out[(size_t)row * cols + c] = (x[c] - mean) * rstd;
}
