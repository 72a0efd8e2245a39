// hip/hip_runtime.h for AMD `gfx*`: Debian's HIP 5.2 header, then what it
// lacks or gets wrong for clang-19 (iree_amd_device.h).
//
// iree-build puts this directory first on the include path of every gfx*
// compile (`-I`, before the system dirs), so `#include <hip/hip_runtime.h>`
// finds this file and `#include_next` the system one.
//
// HIP 5.2's `atomicInc`/`atomicDec` call `llvm.amdgcn.atomic.inc`, an
// intrinsic clang-19 no longer has (the link fails with `undefined hidden
// symbol`): they are renamed out of the way while the system header is
// read, and iree_amd_device.h defines working ones under the real names.
#ifndef IREE_AMD_HIP_RUNTIME_H_
#define IREE_AMD_HIP_RUNTIME_H_

#define atomicInc __iree_hip52_atomicInc
#define atomicDec __iree_hip52_atomicDec
#include_next <hip/hip_runtime.h>
#undef atomicInc
#undef atomicDec

#include "../iree_amd_device.h"

#endif  // IREE_AMD_HIP_RUNTIME_H_
