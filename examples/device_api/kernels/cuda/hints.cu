// Cache hints and launch bounds in CUDA spelling: a grid-stride copy that
// reads through `__ldg`/`__ldcs`/`__ldcg` and writes with `__stcs`/`__stwt`.
#include <cuda_runtime.h>

extern "C" __global__ void __launch_bounds__(256) hints_cuda(const float* __restrict__ a,
                                                             const float* __restrict__ b,
                                                             float* __restrict__ out,
                                                             float* __restrict__ out2,
                                                             size_t n) {
  for (size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += size_t(blockDim.x) * gridDim.x) {
    const float v = __ldg(a + i) + __ldcs(b + i) + __ldcg(a + i);
    __stcs(out + i, v);
    __stwt(out2 + i, v * 2.0f);
  }
}
