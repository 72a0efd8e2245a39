// Exercises the device-side HIP API our NVIDIA header must provide, so the
// same source builds for AMD (HIP's own headers) and NVIDIA (ours).
#include <hip/hip_runtime.h>

__device__ __forceinline__ float warp_sum(float v) {
  for (int offset = warpSize / 2; offset > 0; offset /= 2) {
    v += __shfl_down(v, offset);
  }
  return v;
}

__constant__ float kScale = 0.5f;

extern "C" __global__ void __launch_bounds__(256)
    reduce(const float* __restrict__ x, float* __restrict__ out,
           unsigned int* __restrict__ count, int n) {
  HIP_DYNAMIC_SHARED(float, partial)
  int i = hipBlockIdx_x * hipBlockDim_x + hipThreadIdx_x;
  float v = i < n ? fmaxf(x[i], 0.0f) * kScale : 0.0f;
  v = warp_sum(v) + powf(sinf(v), 2.0f) + cosf(v) + tanhf(v) + exp2f(v) +
      fabsf(v) + floorf(v) + rsqrtf(v + 1.0f);
  int lane = threadIdx.x % warpSize;
  if (lane == 0) partial[threadIdx.x / warpSize] = v;
  __syncthreads();
  __threadfence();
  if (threadIdx.x == 0) {
    float s = 0.0f;
    for (unsigned w = 0; w < blockDim.x / warpSize; ++w) s += partial[w];
    atomicAdd(out, s);
    atomicAdd(count, 1u);
    atomicMax(count + 1, (unsigned)n);
    atomicCAS(count + 2, 0u, 1u);
    atomicExch(count + 3, __popc(n) + __clz(n) + __ffs(n));
  }
  if (__any(v > 1.0f) && __all(v >= 0.0f) && __ballot(v > 2.0f) != 0) {
    atomicOr(count + 4, 1u);
  }
}
