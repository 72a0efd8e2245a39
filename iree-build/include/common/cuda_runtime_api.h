// CUDA's <cuda_runtime_api.h> for AMD `gfx*` and the host: the platform's HIP runtime
// header, which declares CUDA's device-side names (`threadIdx`,
// `__syncthreads`, the warp functions, atomics, math) under the same
// spelling. See docs/DEVICE_API.md.
#include <hip/hip_runtime.h>
