// CUDA-spelled kernels in the shapes public CUDA code writes them (training
// loops, tensor libraries, SDK samples): CUDA's own headers, C++ templates
// and extern "C" entries, size_t and scalar parameters before and after the
// buffers, warp reductions with their shuffle offsets written out,
// cooperative groups with cg::reduce, fp16/bf16/fp8, atomics, votes, __ldg
// and printf. iree-build compiles it for sm_* against the CUDA headers.
#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <cuda_fp8.h>
#include <cooperative_groups.h>
#include <cooperative_groups/reduce.h>
#include <cstdio>
#include <stdint.h>

namespace cg = cooperative_groups;

// A warp's sum with the five butterfly steps spelled out.
__device__ __forceinline__ float warp_sum(float v) {
  v += __shfl_xor_sync(0xffffffff, v, 16);
  v += __shfl_xor_sync(0xffffffff, v, 8);
  v += __shfl_xor_sync(0xffffffff, v, 4);
  v += __shfl_xor_sync(0xffffffff, v, 2);
  v += __shfl_xor_sync(0xffffffff, v, 1);
  return v;
}

// Sum of each row of a (rows x cols) matrix: one block per row, a shared
// array of per-warp partials sized at launch.
extern "C" __global__ void row_sums(float* __restrict__ out, const float* __restrict__ in,
                                    int rows, int cols) {
  extern __shared__ float partial[];
  const int row = blockIdx.x;
  if (row >= rows) return;
  const float* x = in + (size_t)row * cols;
  float acc = 0.0f;
  for (int c = threadIdx.x; c < cols; c += blockDim.x) acc += __ldg(x + c);
  acc = warp_sum(acc);
  const int lane = threadIdx.x % warpSize, warp = threadIdx.x / warpSize;
  if (lane == 0) partial[warp] = acc;
  __syncthreads();
  if (warp == 0) {
    float v = lane < (int)(blockDim.x / warpSize) ? partial[lane] : 0.0f;
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(0xffffffff, v, offset);
    if (lane == 0) out[row] = v;
  }
}

// Row normalisation with one 32-thread tile per row: cg::reduce for the
// moments, rsqrtf, NaN inputs passed through as they came.
__global__ void normalize_rows(float* __restrict__ out, float* __restrict__ mean,
                               float* __restrict__ rstd, const float* __restrict__ in,
                               const float* __restrict__ weight, int n, int c) {
  cg::thread_block block = cg::this_thread_block();
  cg::thread_block_tile<32> tile = cg::tiled_partition<32>(block);
  const int row = blockIdx.x * tile.meta_group_size() + tile.meta_group_rank();
  if (row >= n) return;
  const float* x = in + (size_t)row * c;
  float s = 0.0f;
  for (int i = tile.thread_rank(); i < c; i += tile.size()) s += x[i];
  const float m = cg::reduce(tile, s, cg::plus<float>()) / c;
  float q = 0.0f;
  for (int i = tile.thread_rank(); i < c; i += tile.size()) q += (x[i] - m) * (x[i] - m);
  const float r = rsqrtf(cg::reduce(tile, q, cg::plus<float>()) / c + 1e-5f);
  for (int i = tile.thread_rank(); i < c; i += tile.size()) {
    const float v = x[i];
    out[(size_t)row * c + i] = isnan(v) ? v : (v - m) * r * weight[i];
  }
  if (tile.thread_rank() == 0) {
    mean[row] = m;
    rstd[row] = r;
  }
  tile.sync();
}

template <typename T> __device__ __forceinline__ float load_as_float(const T* p);
template <> __device__ __forceinline__ float load_as_float<__half>(const __half* p) {
  return __half2float(*p);
}
template <> __device__ __forceinline__ float load_as_float<__nv_bfloat16>(const __nv_bfloat16* p) {
  return __bfloat162float(*p);
}

// An element-wise cast with scaling, for every element type it is
// instantiated with (a grid-stride loop over a size_t count).
template <typename T>
__global__ void scale_to_f32(const size_t numel, const float scale, const T* __restrict__ in,
                             float* __restrict__ out) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < numel;
       i += (size_t)blockDim.x * gridDim.x) {
    out[i] = load_as_float(in + i) * scale;
  }
}
template __global__ void scale_to_f32<__half>(const size_t, const float, const __half* __restrict__,
                                             float* __restrict__);
template __global__ void scale_to_f32<__nv_bfloat16>(const size_t, const float,
                                                    const __nv_bfloat16* __restrict__,
                                                    float* __restrict__);

// Packed half and bfloat16 arithmetic, and an fp8 round trip.
extern "C" __global__ void mixed_precision(const size_t n, const __half2* __restrict__ a,
                                           const __half2* __restrict__ b,
                                           __nv_bfloat16* __restrict__ out) {
  const size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
  if (i >= n) return;
  const __half2 prod = __hmul2(a[i], b[i]);
  const __half2 sum = __hadd2(prod, __floats2half2_rn(1.0f, 1.0f));
  const float2 f = __half22float2(sum);
  const __nv_fp8_e4m3 q(f.x);
  const __nv_bfloat16 y = __float2bfloat16_rn(static_cast<float>(q) + f.y);
  out[i] = __hmul(y, __float2bfloat16(0.5f));
}

// A shared-memory histogram: atomics on shared and global memory, a ballot
// and a vote across the warp, and printf from one thread.
extern "C" __global__ void histogram(unsigned int* __restrict__ bins, int* __restrict__ max_seen,
                                     const unsigned int* __restrict__ data, size_t n,
                                     unsigned int nbins) {
  extern __shared__ unsigned int local[];
  for (unsigned int b = threadIdx.x; b < nbins; b += blockDim.x) local[b] = 0;
  __syncthreads();
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
       i += (size_t)blockDim.x * gridDim.x) {
    const unsigned int v = data[i];
    atomicAdd(&local[v % nbins], 1u);
    atomicMax(max_seen, (int)v);
  }
  __syncthreads();
  for (unsigned int b = threadIdx.x; b < nbins; b += blockDim.x) {
    const unsigned int old = atomicAdd(&bins[b], local[b]);
    atomicCAS(&bins[b], old, old);
  }
  const unsigned int mask = __ballot_sync(0xffffffff, threadIdx.x < nbins);
  if (__all_sync(0xffffffff, mask != 0) && threadIdx.x == 0 && blockIdx.x == 0) {
    printf("histogram: %u bins, %d lanes in the first warp\n", nbins, __popc(mask));
  }
}
