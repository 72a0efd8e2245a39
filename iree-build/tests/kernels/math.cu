// Test kernels that need the device math library (ocml on AMD, libdevice on
// NVIDIA), shared memory, a barrier and an atomic.
#include <hip/hip_runtime.h>

// `y = log(1 + exp(x))`
extern "C" __global__ void softplus(const float* __restrict__ x,
                                    float* __restrict__ y, int n) {
  int i = blockDim.x * blockIdx.x + threadIdx.x;
  if (i < n) {
    y[i] = logf(1.0f + expf(x[i]));
  }
}

// `*out += sum(sqrt(x))` over 64-element blocks.
extern "C" __global__ void block_sqrt_sum(const float* __restrict__ x,
                                          float* __restrict__ out, int n) {
  __shared__ float tile[64];
  int i = blockDim.x * blockIdx.x + threadIdx.x;
  tile[threadIdx.x] = i < n ? sqrtf(x[i]) : 0.0f;
  __syncthreads();
  if (threadIdx.x == 0) {
    float s = 0.0f;
    for (int k = 0; k < 64; ++k) s += tile[k];
    atomicAdd(out, s);
  }
}
