// Atomics in HIP spelling: `atomicInc`/`atomicDec` wraparound (the pair
// that does not link with HIP 5.2's own header and clang-19), float add.
#include <hip/hip_runtime.h>

/// Each thread: inc with limit `limit`, dec with limit `limit`, float add 1.
extern "C" __global__ void atomics_hip(unsigned* counters, float* sum, unsigned limit) {
  atomicInc(&counters[0], limit);
  atomicDec(&counters[1], limit);
  atomicAdd(sum, 1.0f);
}
