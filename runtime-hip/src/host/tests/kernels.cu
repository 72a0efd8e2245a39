// The kernels of the host backend's unit tests (src/host/tests), compiled
// at test time by compile.rs into a shared library with shim.cc. KERNELS_CU
// (a -D of the build) is the custom_dispatch example's kernels.cu, which
// defines simple_mul and simple_mul_inplace.

#include <hip/hip_runtime.h>
#include KERNELS_CU

extern "C" __global__ void add(const float* __restrict__ a, const float* __restrict__ b,
                               float* __restrict__ out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = a[i] + b[i];
}

// One partial sum per block of 256 threads: the classic shared-memory tree.
extern "C" __global__ void block_sum(const float* __restrict__ in, float* __restrict__ partial,
                                     int n) {
  __shared__ float s[256];
  unsigned t = threadIdx.x;
  unsigned i = blockIdx.x * blockDim.x + t;
  s[t] = i < (unsigned)n ? in[i] : 0.0f;
  __syncthreads();
  for (unsigned k = blockDim.x / 2; k > 0; k >>= 1) {
    if (t < k) s[t] += s[t + k];
    __syncthreads();
  }
  if (t == 0) partial[blockIdx.x] = s[0];
}

// Threads past `active` return before the barrier; the rest still meet.
extern "C" __global__ void early_exit(float* __restrict__ out, int active) {
  __shared__ float s[64];
  unsigned t = threadIdx.x;
  if ((int)t >= active) return;
  s[t] = (float)(t + 1);
  __syncthreads();
  out[blockIdx.x * active + t] = s[(t + 1) % active];
}

// out[c][r] = in[r][c] over a 2-D grid of 2-D blocks.
extern "C" __global__ void transpose(const float* __restrict__ in, float* __restrict__ out,
                                     int rows, int cols) {
  int c = blockIdx.x * blockDim.x + threadIdx.x;
  int r = blockIdx.y * blockDim.y + threadIdx.y;
  if (r < rows && c < cols) out[c * rows + r] = in[r * cols + c];
}

extern "C" __global__ void softplus(const float* __restrict__ in, float* __restrict__ out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = logf(1.0f + expf(in[i])) + sqrtf(fmaxf(in[i], 0.0f)) * rsqrtf(4.0f);
}

extern "C" __global__ void histogram(const unsigned* __restrict__ in, unsigned* bins, int n,
                                     int nbins) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) atomicAdd(&bins[in[i] % (unsigned)nbins], 1u);
}

extern "C" __global__ void atomics_misc(const float* __restrict__ in, float* fsum, int* imax,
                                        int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    atomicAdd(fsum, in[i]);
    atomicMax(imax, (int)in[i]);
  }
}

// The usual warp-shuffle + shared-memory reduction, written for any warpSize.
extern "C" __global__ void warp_sum(const float* __restrict__ in, float* __restrict__ out, int n) {
  __shared__ float warp_sums[1024];
  float v = 0.0f;
  for (int i = hipThreadIdx_x; i < n; i += hipBlockDim_x) v += __ldg(&in[i]);
  for (int o = warpSize / 2; o > 0; o /= 2) v += __shfl_down_sync(~0ull, v, o);
  unsigned lane = threadIdx.x % warpSize, wid = threadIdx.x / warpSize;
  if (lane == 0) warp_sums[wid] = v;
  __syncthreads();
  if (threadIdx.x == 0) {
    float s = 0.0f;
    for (unsigned w = 0; w < blockDim.x / warpSize; ++w) s += warp_sums[w];
    *out = s;
  }
}

// 3-D blocks in a 3-D grid, with barriers: every thread publishes its id,
// then reads its mirror image's; built-ins must survive the switches.
extern "C" __global__ void mirror3d(unsigned* __restrict__ out) {
  __shared__ unsigned ids[4 * 3 * 2];
  unsigned t = (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x;
  unsigned nt = blockDim.x * blockDim.y * blockDim.z;
  unsigned b = (blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
  ids[t] = b * 1000 + t;
  __syncthreads();
  unsigned m = ids[nt - 1 - t];
  __syncthreads();
  ids[t] = 0;
  __syncthreads();
  out[b * nt + t] = m + ((threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x) * 1000000;
}

// Dynamic shared memory: reverse each block's slice through it.
extern "C" __global__ void reverse_blocks(const int* __restrict__ in, int* __restrict__ out) {
  HIP_DYNAMIC_SHARED(int, tile);
  unsigned t = threadIdx.x, n = blockDim.x, base = blockIdx.x * n;
  tile[t] = in[base + t];
  __syncthreads();
  out[base + t] = tile[n - 1 - t];
}

// A private array indexed by thread-dependent values and live across
// barriers: each thread's copy must survive while the others run (with the
// lockstep pass it lives in the thread's frame).
extern "C" __global__ void private_rotate(const int* __restrict__ in, int* __restrict__ out) {
  __shared__ int s[256];
  int mine[8];
  unsigned t = threadIdx.x, n = blockDim.x, base = (blockIdx.x * n + t) * 8;
  for (int k = 0; k < 8; ++k) mine[k] = in[base + k];
  s[t] = mine[t % 8];
  __syncthreads();
  int next = s[(t + 1) % n];
  __syncthreads();
  for (int k = 0; k < 8; ++k) out[base + k] = mine[(k + t) % 8] + next;
}

// A uniform outer loop with barriers around a per-thread strided loop (the
// loop the lockstep pass interleaves) and a loop only thread 0 runs.
extern "C" __global__ void row_sums(const float* __restrict__ in, float* __restrict__ out,
                                    int rows, int cols) {
  __shared__ float s[1024];
  unsigned t = threadIdx.x;
  for (int r = blockIdx.x; r < rows; r += gridDim.x) {
    float acc = 0.0f;
    for (int c = t; c < cols; c += blockDim.x) acc += in[r * cols + c];
    s[t] = acc;
    __syncthreads();
    if (t == 0) {
      float sum = 0.0f;
      for (unsigned k = 0; k < blockDim.x; ++k) sum += s[k];
      out[r] = sum;
    }
    __syncthreads();
  }
}

// Grid-stride loops in the shapes public code writes them, before a
// barrier: a size_t index and a pointer bumped by the block size (the
// lockstep pass's vector body counts their iterations instead of saving
// them), then thread 0 alone loops over the block's partial results.
extern "C" __global__ void grid_stride_pair(const int* in, int* partial, unsigned n32) {
  __shared__ int s[256];
  const size_t n = n32;
  int acc = 0;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x)
    acc += in[i];
  for (const int* p = in + threadIdx.x; p < in + n; p += blockDim.x) acc ^= *p;
  s[threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.x == 0) {
    int total = 0;
    for (unsigned k = 0; k < blockDim.x; ++k) total += s[k];
    partial[blockIdx.x] = total;
  }
}

// A tile loop across barriers, as tiled matmuls write it: its index `t` is
// the same in every thread (the vector rounds read it once for all and
// load the tile as a vector), while `skew`, computed from constants by a
// loop whose trip count is the thread's, is the same by its data flow and
// not by thread: the rounds must check before they read one value for all.
extern "C" __global__ void tile_walk(const int* in, int* out, int n) {
  __shared__ int tile[256];
  int skew = 0;
  for (unsigned j = 0; j < threadIdx.x % 4; ++j) skew = skew * 5 + 1;
  int acc = 0;
  for (int t = 0; t < n; t += blockDim.x) {
    const int i = t + threadIdx.x;
    tile[threadIdx.x] = i < n ? in[i] : -1;
    __syncthreads();
    acc = acc * 3 + tile[(threadIdx.x + skew) % blockDim.x];
    __syncthreads();
  }
  out[blockIdx.x * blockDim.x + threadIdx.x] = acc ^ skew;
}

// The barrier sits in a function that is not inlined: the lockstep pass
// cannot see it and leaves the kernel to the coroutines.
__device__ __noinline__ void opaque_sync() { __syncthreads(); }
extern "C" __global__ void opaque_barrier_sum(const float* __restrict__ in,
                                              float* __restrict__ partial, int n) {
  __shared__ float s[256];
  unsigned t = threadIdx.x;
  unsigned i = blockIdx.x * blockDim.x + t;
  s[t] = i < (unsigned)n ? in[i] : 0.0f;
  opaque_sync();
  for (unsigned k = blockDim.x / 2; k > 0; k >>= 1) {
    if (t < k) s[t] += s[t + k];
    opaque_sync();
  }
  if (t == 0) partial[blockIdx.x] = s[0];
}

// IREE_HOST_CHECK tests (check.rs): out[i + so] = a[i + sa] + b[i + sb]
// for i <= n, the classic `<=` bug, with shifts to reach either side of any
// binding.
extern "C" __global__ void shifted(const float* __restrict__ a, const float* __restrict__ b,
                                   float* __restrict__ out, int n, int sa, int sb, int so) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i <= n) out[i + so] = a[i + sa] + b[i + sb];
}

// Optional bindings (check.rs): `bias` may be NULL, as in kernels whose
// extra output or input is optional.
extern "C" __global__ void maybe_bias(const float* __restrict__ in,
                                      const float* __restrict__ bias /* may be NULL */,
                                      float* __restrict__ out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = bias ? in[i] + bias[i] : in[i];
}

IREE_HOST_EXPORT(simple_mul)
IREE_HOST_EXPORT(maybe_bias)
IREE_HOST_EXPORT(simple_mul_inplace)
IREE_HOST_EXPORT(shifted)
IREE_HOST_EXPORT(add)
IREE_HOST_EXPORT(block_sum)
IREE_HOST_EXPORT(early_exit)
IREE_HOST_EXPORT(transpose)
IREE_HOST_EXPORT(softplus)
IREE_HOST_EXPORT(histogram)
IREE_HOST_EXPORT(atomics_misc)
IREE_HOST_EXPORT(warp_sum)
IREE_HOST_EXPORT(mirror3d)
IREE_HOST_EXPORT(reverse_blocks)
IREE_HOST_EXPORT(private_rotate)
IREE_HOST_EXPORT(row_sums)
IREE_HOST_EXPORT(grid_stride_pair)
IREE_HOST_EXPORT(tile_walk)
IREE_HOST_EXPORT(opaque_barrier_sum)
// Integer kernels for the SIMD tests (tests/simd.rs): a divergent branch,
// a gather through a computed index and a scatter, then every built-in of a
// 3-D block in a 3-D grid, so the vector and scalar entries must agree bit
// for bit.
extern "C" __global__ void int_mix(const int* __restrict__ in, int* __restrict__ out,
                                   int* __restrict__ scattered, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int v = in[i];
  if (v & 1) v = v * 7 + in[(i * 3) % n];
  else v ^= i;
  out[i] = v;
  scattered[(i * 5) % n] = i;
}
// A private array indexed by a thread-dependent value: one memory for all
// threads on the host, so the SIMD pass must not run its threads in lanes
// as if they did not share it.
extern "C" __global__ void private_pick(const int* __restrict__ in, int* __restrict__ out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    volatile int m[4];
    m[0] = in[i];
    m[1] = i;
    m[2] = -in[i];
    m[3] = i * 3;
    out[i] = m[in[i] & 3];
  }
}
extern "C" __global__ void ids3d(unsigned* __restrict__ out) {
  unsigned t = (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x;
  unsigned nt = blockDim.x * blockDim.y * blockDim.z;
  unsigned b = (blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
  out[b * nt + t] = ((blockIdx.z * 7 + blockIdx.y) * 5 + blockIdx.x) * 1000000 +
                    threadIdx.z * 10000 + threadIdx.y * 100 + threadIdx.x;
}
IREE_HOST_EXPORT(int_mix)
IREE_HOST_EXPORT(ids3d)
IREE_HOST_EXPORT(private_pick)
