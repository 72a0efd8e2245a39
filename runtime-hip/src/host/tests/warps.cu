// Warp-level kernels of the host backend's unit tests (src/host/tests/warps.rs),
// in the shapes public CUDA and HIP code writes them. Compiled into the test
// library with kernels.cu (warps of 32), and alone with
// -DIREE_HOST_WARP_SIZE=64 (wave64); built for every GPU target too by
// examples/warps (docs/GPU.md's warp check), with -DIREE_WARPS_NO_EXPORT
// (the build writes the host exports itself).

#include <hip/hip_runtime.h>
// HIP's header: with `cg::reduce` and the scans on every target (CUDA keeps
// those in cooperative_groups/reduce.h and scan.h).
#include <hip/hip_cooperative_groups.h>

namespace cg = cooperative_groups;

// Every lane of a warp as a sync mask: 64 bits where warps may have 64
// lanes (the host, AMD), CUDA's 32-bit mask on NVIDIA (where ~0ull would
// be narrowed, with a warning per call).
#ifdef __CUDA_ARCH__
#define ALL_LANES 0xffffffffu
#else
#define ALL_LANES (~0ull)
#endif

// A block sum the way training code writes it: offsets written out for
// 32-lane warps, one partial per warp in shared memory, warp 0 adds them.
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

// out[blockIdx.x] = sum of the block's slice of `in` (blockDim.x a multiple of 32).
extern "C" __global__ void warp_block_sum(const float* __restrict__ in, float* __restrict__ out,
                                          int n) {
  float v = 0.0f;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
    v += in[i];
  v = block_sum_32(v);
  if (threadIdx.x == 0) out[blockIdx.x] = v;
}

// Every lane gets its warp's sum (xor butterfly over warpSize), and its lane
// and warp index.
extern "C" __global__ void warp_allreduce(const int* __restrict__ in, int* __restrict__ out,
                                          int* __restrict__ ids) {
  const unsigned t = blockIdx.x * blockDim.x + threadIdx.x;
  int v = in[t];
  for (int o = warpSize / 2; o > 0; o /= 2) v += __shfl_xor_sync(ALL_LANES, v, o);
  out[t] = v;
  ids[t] = (threadIdx.x / warpSize) * 1000 + __lane_id() + (warpSize << 16);
}

// An inclusive scan of each block: shuffle scans within warps, the warps'
// totals in a shared array sized by warps, then scanned by warp 0.
extern "C" __global__ void shfl_scan(const int* __restrict__ in, int* __restrict__ out) {
  __shared__ int sums[1024 / 32];
  const unsigned t = blockIdx.x * blockDim.x + threadIdx.x;
  const unsigned lane = threadIdx.x % warpSize, warp = threadIdx.x / warpSize;
  int v = in[t];
  for (int o = 1; o < warpSize; o *= 2) {
    const int u = __shfl_up_sync(ALL_LANES, v, o);
    if (lane >= (unsigned)o) v += u;
  }
  if (lane == warpSize - 1) sums[warp] = v;
  __syncthreads();
  if (warp == 0) {
    const unsigned warps = blockDim.x / warpSize;
    int s = lane < warps ? sums[lane] : 0;
    for (int o = 1; o < warpSize; o *= 2) {
      const int u = __shfl_up_sync(ALL_LANES, s, o);
      if (lane >= (unsigned)o) s += u;
    }
    if (lane < warps) sums[lane] = s;
  }
  __syncthreads();
  if (warp > 0) v += sums[warp - 1];
  out[t] = v;
}

// Stream compaction by ballot: each warp writes its positive values, in
// order, to its own stretch of `out` and their count to `counts`.
extern "C" __global__ void ballot_compact(const int* __restrict__ in, int* __restrict__ out,
                                          int* __restrict__ counts) {
  const unsigned t = blockIdx.x * blockDim.x + threadIdx.x;
  const unsigned lane = threadIdx.x % warpSize, gwarp = t / warpSize;
  const int v = in[t];
  const unsigned long long keep = __ballot_sync(ALL_LANES, v > 0);
  const unsigned long long below = lane == 0 ? 0ull : (~0ull >> (64 - lane));
  if (v > 0) out[gwarp * warpSize + __popcll(keep & below)] = v;
  if (lane == 0) counts[gwarp] = __popcll(keep);
  // votes on the same predicate
  const int any = __any_sync(ALL_LANES, v > 0), all = __all_sync(ALL_LANES, v > 0);
  if (lane == 1) counts[gwarp] |= (any << 16) | (all << 17);
}

// Tiles of 16 from the block, each summed with cg::reduce; tiles of 4 from
// those, scanned; ranks written out.
extern "C" __global__ void tile_ops(const int* __restrict__ in, int* __restrict__ sums,
                                    int* __restrict__ scans, int* __restrict__ ranks) {
  cg::thread_block block = cg::this_thread_block();
  cg::thread_block_tile<16> tile = cg::tiled_partition<16>(block);
  const unsigned t = blockIdx.x * blockDim.x + threadIdx.x;
  const int v = in[t];
  const int s = cg::reduce(tile, v, cg::plus<int>());
  if (tile.thread_rank() == 0) sums[blockIdx.x * tile.meta_group_size() + tile.meta_group_rank()] = s;
  auto quad = cg::tiled_partition<4>(tile);
  scans[t] = cg::inclusive_scan(quad, v) * 100 + cg::exclusive_scan(quad, v);
  block.sync();
  ranks[t] = (int)(block.thread_rank() * 10000 + tile.meta_group_rank() * 100 +
                   quad.meta_group_rank() * 10 + quad.thread_rank());
  const int mx = cg::reduce(tile, v, cg::greater<int>());
  if (tile.ballot(v == mx) == 0) ranks[t] = -1;  // the max is someone's
}

// Tiles of 8 of one warp at two different reductions at once: even tiles
// sum, odd tiles take the max (each tile's lanes together, as tiles may).
extern "C" __global__ void tile_reduce_mixed(const int* __restrict__ in, int* __restrict__ out) {
  auto tile = cg::tiled_partition<8>(cg::this_thread_block());
  const unsigned t = blockIdx.x * blockDim.x + threadIdx.x;
  const int v = in[t];
  if (tile.meta_group_rank() % 2 == 0)
    out[t] = cg::reduce(tile, v, cg::plus<int>());
  else
    out[t] = cg::reduce(tile, v, [](int a, int b) { return a > b ? a : b; });
}

// Partial masks: the low half of each warp shuffles among itself (width
// 16), the high half with another mask; lanes 20 and up then leave and the
// rest read __activemask and vote among the low 16.
extern "C" __global__ void partial_masks(const int* __restrict__ in, int* __restrict__ out,
                                         unsigned long long* __restrict__ masks) {
  const unsigned t = blockIdx.x * blockDim.x + threadIdx.x;
  const unsigned lane = threadIdx.x % 32;
  int v = in[t];
  if (lane < 16)
    v = __shfl_down_sync(0x0000ffffu, v, 4, 16);
  else
    v = __shfl_xor_sync(0xffff0000u, v, 1);
  out[t] = v;
  if (lane >= 20) return;
  masks[t * 2] = __activemask();
  if (lane < 16) masks[t * 2 + 1] = __ballot_sync(0x0000ffffu, v % 2 == 0);
  else masks[t * 2 + 1] = 0;
}

// Shuffles of every kind at widths 4, 8 and 16: out[t*12 + k].
extern "C" __global__ void widths(const int* __restrict__ in, int* __restrict__ out) {
  const unsigned t = blockIdx.x * blockDim.x + threadIdx.x;
  const int v = in[t];
  int k = 0;
  for (int w = 4; w <= 16; w *= 2) {
    out[t * 12 + k++] = __shfl_sync(ALL_LANES, v, 5, w);
    out[t * 12 + k++] = __shfl_up_sync(ALL_LANES, v, 3, w);
    out[t * 12 + k++] = __shfl_down_sync(ALL_LANES, v, 3, w);
    out[t * 12 + k++] = __shfl_xor_sync(ALL_LANES, v, 6, w);
  }
}

// A row softmax, one warp per row (the layout of attention and logits
// kernels): max and sum by xor butterflies over the warp.
extern "C" __global__ void softmax_rows(const float* __restrict__ in, float* __restrict__ out,
                                        int rows, int cols) {
  const int row = blockIdx.x * (blockDim.x / warpSize) + threadIdx.x / warpSize;
  const int lane = threadIdx.x % warpSize;
  if (row >= rows) return;
  const float* x = in + (size_t)row * cols;
  float m = -INFINITY;
  for (int c = lane; c < cols; c += warpSize) m = fmaxf(m, x[c]);
  for (int o = warpSize / 2; o > 0; o /= 2) m = fmaxf(m, __shfl_xor_sync(ALL_LANES, m, o));
  float s = 0.0f;
  for (int c = lane; c < cols; c += warpSize) s += expf(x[c] - m);
  for (int o = warpSize / 2; o > 0; o /= 2) s += __shfl_xor_sync(ALL_LANES, s, o);
  const float inv = 1.0f / s;
  for (int c = lane; c < cols; c += warpSize) out[(size_t)row * cols + c] = expf(x[c] - m) * inv;
}

// A layer norm, one warp per row, mean and variance by a tile reduction.
extern "C" __global__ void layernorm_rows(const float* __restrict__ in, float* __restrict__ out,
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
  for (int c = warp.thread_rank(); c < cols; c += 32) out[(size_t)row * cols + c] = (x[c] - mean) * rstd;
}

#ifndef IREE_WARPS_NO_EXPORT
IREE_HOST_EXPORT(warp_block_sum)
IREE_HOST_EXPORT(warp_allreduce)
IREE_HOST_EXPORT(shfl_scan)
IREE_HOST_EXPORT(ballot_compact)
IREE_HOST_EXPORT(tile_ops)
IREE_HOST_EXPORT(tile_reduce_mixed)
IREE_HOST_EXPORT(partial_masks)
IREE_HOST_EXPORT(widths)
IREE_HOST_EXPORT(softmax_rows)
IREE_HOST_EXPORT(layernorm_rows)
#endif
