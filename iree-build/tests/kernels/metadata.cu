// Kernels whose AMD metadata has something to say beyond plain pointers:
// launch bounds, static and dynamic shared memory, a private array indexed
// at run time (scratch), by-value structs and small scalars, a buffer that
// is read and written. Compiled by iree-build and by Debian's hipcc for the
// same chip, their metadata is compared (tests/amd_hipcc.rs).
#include <hip/hip_runtime.h>

struct Affine {
  float scale;
  float shift;
  double bias;
};

// A histogram over 256 bins: static shared memory, block-wide barriers,
// atomics on shared and global memory, launch bounds of 256 threads.
extern "C" __global__ void __launch_bounds__(256)
    histogram(const unsigned char* __restrict__ data, unsigned* __restrict__ bins,
              int n) {
  __shared__ unsigned local[256];
  local[threadIdx.x] = 0;
  __syncthreads();
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += gridDim.x * blockDim.x) {
    atomicAdd(&local[data[i]], 1u);
  }
  __syncthreads();
  atomicAdd(&bins[threadIdx.x], local[threadIdx.x]);
}

// An affine map with the parameters passed by value: a struct with a
// double, a char and a short, between buffer arguments.
extern "C" __global__ void affine(const float* __restrict__ x, Affine a,
                                  char sign, short offset,
                                  float* __restrict__ y, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    y[i] = sign * (x[i] * a.scale + a.shift) + float(a.bias) + offset;
  }
}

// Per-thread private array indexed by data: it cannot live in registers,
// so the kernel needs scratch (private segment) memory.
extern "C" __global__ void gather_private(const int* __restrict__ idx,
                                          float* __restrict__ out, int n) {
  float table[64];
  for (int j = 0; j < 64; ++j) {
    table[j] = j * 0.5f + threadIdx.x;
  }
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    out[i] = table[idx[i] & 63];
  }
}

// A block reduction through dynamic shared memory into a buffer that is
// both read and written.
extern "C" __global__ void __launch_bounds__(128)
    accumulate(const float* __restrict__ x, float* __restrict__ acc, int n) {
  extern __shared__ float partial[];
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  partial[threadIdx.x] = i < n ? x[i] : 0.0f;
  __syncthreads();
  for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) {
      partial[threadIdx.x] += partial[threadIdx.x + s];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    acc[blockIdx.x] += partial[0];
  }
}
