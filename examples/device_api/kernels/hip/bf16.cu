// bf16 in HIP spelling (<hip/hip_bfloat16.h>): `hip_bfloat16` from float
// and back, and its operators.
#include <hip/hip_bfloat16.h>
#include <hip/hip_runtime.h>

/// out[i] = bf16(x[i]) * bf16(x[i]) - bf16(1), back[i] = float(out[i]).
extern "C" __global__ void bf16_hip(const float* x, hip_bfloat16* out, float* back, int n) {
  const int i = hipBlockIdx_x * hipBlockDim_x + hipThreadIdx_x;
  if (i >= n) return;
  const hip_bfloat16 b(x[i]);
  const hip_bfloat16 r = b * b - hip_bfloat16(1.0f);
  out[i] = r;
  back[i] = float(r);
}
