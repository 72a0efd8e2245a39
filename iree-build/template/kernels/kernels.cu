#include <hip/hip_runtime.h>

// `y = a * x + y` over n elements, one element per thread. Buffers come
// first (read-only ones as `const`), then scalars, as the declaration in
// src/main.rs lists them.
extern "C" __global__ void axpy(const float* __restrict__ x, float* __restrict__ y,
                                float a, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    y[i] = a * x[i] + y[i];
  }
}
