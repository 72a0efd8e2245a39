// HIP's older bfloat16 header on NVIDIA, written by iree-build: the same
// mapping as our hip_bf16.h (`hip_bfloat16` is CUDA's `__nv_bfloat16`).
#include <hip/hip_bf16.h>
