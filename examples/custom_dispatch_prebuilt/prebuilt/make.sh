#!/usr/bin/env bash
# Regenerates the prebuilt objects of this example with plain clang commands.
set -euo pipefail
cd "$(dirname "$0")"
src=../../custom_dispatch/kernels/kernels.cu
bc=${ROCM_DEVICE_LIB_PATH:-/usr/lib/x86_64-linux-gnu/amdgcn/bitcode}
# HIP's headers reach blockDim/blockIdx through ockl, so link it (only what is used).
hip=(clang-19 -x hip --offload-device-only -fuse-cuid=none -O3 -nogpulib -Xclang -mlink-builtin-bitcode -Xclang "$bc/ockl.bc")
"${hip[@]}" --no-gpu-bundle-output --offload-arch=gfx1100 "$src" -o kernels_gfx1100.co
"${hip[@]}" --no-gpu-bundle-output --offload-arch=gfx90a "$src" -o kernels_gfx90a.co
"${hip[@]}" --offload-arch=gfx942 "$src" -o kernels_gfx942.hipfb
mkdir -p /tmp/iree-prebuilt-inc/hip
cat > /tmp/iree-prebuilt-inc/hip/hip_runtime.h <<'H'
#pragma once
#include <__clang_cuda_builtin_vars.h>
#define __global__ __attribute__((global))
H
clang-19 -x cuda --cuda-device-only --offload-arch=sm_80 -nocudainc -nocudalib -O3 \
  -I/tmp/iree-prebuilt-inc -S "$src" -o kernels_sm_80.ptx
