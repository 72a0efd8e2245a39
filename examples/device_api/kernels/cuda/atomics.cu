// The atomic set in CUDA spelling, on 32- and 64-bit integers, float and
// double: every thread applies each operation once, so the final values do
// not depend on the order the threads ran in.
#include <cuda_runtime.h>

/// `u32`: add, sub, max, min, inc(7), dec(5), or, and, xor, CAS winners, exch
/// (any thread id); `i32`: add, min, max; `u64`: add, max, or, and, xor,
/// CAS winners, exch; `i64`: min, max, add; `f32` and `f64`: add.
extern "C" __global__ void atomics_cuda(unsigned* u32, int* i32, unsigned long long* u64,
                                        long long* i64, float* f32, double* f64) {
  const unsigned t = blockIdx.x * blockDim.x + threadIdx.x;
  atomicAdd(&u32[0], 3u);
  atomicSub(&u32[1], 1u);
  atomicMax(&u32[2], t);
  atomicMin(&u32[3], t + 100u);
  atomicInc(&u32[4], 7u);
  atomicDec(&u32[5], 5u);
  atomicOr(&u32[6], 1u << (t % 32));
  atomicAnd(&u32[7], ~(1u << (t % 16)));
  atomicXor(&u32[8], t);
  if (atomicCAS(&u32[9], 0u, t + 1) == 0u) atomicAdd(&u32[10], 1u);
  atomicExch(&u32[11], t);
  atomicAdd(&i32[0], -2);
  atomicMin(&i32[1], -int(t));
  atomicMax(&i32[2], int(t) - 1000);
  atomicAdd(&u64[0], 1ull << 33);
  atomicMax(&u64[1], (unsigned long long)t << 40);
  atomicOr(&u64[2], 1ull << (t % 64));
  atomicAnd(&u64[3], ~(1ull << (t % 48)));
  atomicXor(&u64[4], (unsigned long long)t << 32);
  if (atomicCAS(&u64[5], 0ull, t + 1ull) == 0ull) atomicAdd(&u64[6], 1ull);
  atomicExch(&u64[7], t + 5ull);
  atomicMin(&i64[0], -(long long)t * 4000000000ll);
  atomicMax(&i64[1], (long long)t * 4000000000ll);
  atomicAdd((unsigned long long*)&i64[2], (unsigned long long)-3ll);
  atomicAdd(&f32[0], 0.5f);
  atomicAdd(&f64[0], 0.25);
}
