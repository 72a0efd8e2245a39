// One of two kernel files that define the same names: a non-inline helper,
// a namespace-scope __shared__ array and an extern "C" kernel. Each file is
// its own unit, as it is on a GPU, so they do not clash.
#include <hip/hip_runtime.h>

__device__ float adjust(float x) { return x + 1.0f; }

__shared__ float staging[64];

extern "C" __global__ void apply(const float* in, float* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  staging[threadIdx.x] = i < n ? in[i] : 0.0f;
  __syncthreads();
  if (i < n) out[i] = adjust(staging[threadIdx.x]);
}

// Reverses each block's chunk of `in` through dynamic shared memory, written
// the CUDA way: an unsized extern __shared__ array.
extern "C" __global__ void reverse_blocks(const float* in, float* out, int n) {
  extern __shared__ float chunk[];
  const unsigned t = threadIdx.x;
  const int base = blockIdx.x * blockDim.x;
  chunk[t] = base + (int)t < n ? in[base + t] : 0.0f;
  __syncthreads();
  const int j = base + (int)(blockDim.x - 1 - t);
  if (j < n) out[j] = chunk[t];
}
