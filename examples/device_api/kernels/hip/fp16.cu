// fp16 in HIP spelling (<hip/hip_fp16.h>): the conversion and arithmetic
// intrinsics HIP kernels use.
#include <hip/hip_fp16.h>
#include <hip/hip_runtime.h>

/// out[i] = half(float(a[i]) * scale) + a[i], and its float.
extern "C" __global__ void fp16_hip(const __half* a, __half* out, float* as_float, float scale,
                                    int n) {
  const int i = hipBlockIdx_x * hipBlockDim_x + hipThreadIdx_x;
  if (i >= n) return;
  const __half h = __hadd(__float2half(__half2float(a[i]) * scale), a[i]);
  out[i] = h;
  as_float[i] = __half2float(h);
}
