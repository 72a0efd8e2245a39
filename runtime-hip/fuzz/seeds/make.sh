#!/usr/bin/env bash
# Regenerates the committed seed objects that no other directory of the
# repository holds (the AMD objects, PTX and a plain offload bundle are
# read from runtime-hip/tests/data and examples/custom_dispatch_prebuilt/prebuilt).
# Needs clang-19 and ptxas (`cargo xtask provision` installs both; ptxas
# lands in target/iree-toolchain/nvidia/cuda_nvcc/bin).
set -euo pipefail
cd "$(dirname "$0")"
root=../../..
src=$root/examples/custom_dispatch/kernels/kernels.cu
ptxas=${PTXAS:-$(command -v ptxas || echo "$root/target/iree-toolchain/nvidia/cuda_nvcc/bin/ptxas")}
mkdir -p cubin host_object offload_bundle
# A cubin of the prebuilt example's PTX.
"$ptxas" -arch=sm_80 "$root/examples/custom_dispatch_prebuilt/prebuilt/kernels_sm_80.ptx" -o cubin/kernels_sm_80.cubin
# A host object as iree-build compiles one (docs/ARCHITECTURE.md, "Host kernels").
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include "%s"\nIREE_HOST_EXPORT(simple_mul)\nIREE_HOST_EXPORT(simple_mul_inplace)\n' "$(realpath "$src")" > "$tmp/wrapper.cc"
clang-19 -x c++ -std=c++17 -O2 -fPIC -fno-exceptions -fno-rtti -ffunction-sections \
  -I "$root/iree-build/include/host" -c "$tmp/wrapper.cc" -o host_object/kernels.o
# Offload bundles: two AMD entries, and the same compressed (CCOB, zstd and zlib).
hip=(clang-19 -x hip --offload-device-only -fuse-cuid=none -O1 -nogpulib -nogpuinc)
kern='extern "C" __attribute__((global)) void k(float* p, float a) { p[0] *= a; }'
echo "$kern" > "$tmp/k.cu"
"${hip[@]}" --offload-arch=gfx90a --offload-arch=gfx1100 "$tmp/k.cu" -o offload_bundle/two_targets.hipfb
"${hip[@]}" --offload-arch=gfx90a --offload-compress "$tmp/k.cu" -o offload_bundle/compressed.hipfb
