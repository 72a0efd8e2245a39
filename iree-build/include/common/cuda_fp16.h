// CUDA's <cuda_fp16.h> for AMD `gfx*` and the host: HIP's fp16 header
// (`__half`, `__half2` and the `__h*` / `h*` intrinsics have the same names).
#include <hip/hip_runtime.h>
#include <hip/hip_fp16.h>
