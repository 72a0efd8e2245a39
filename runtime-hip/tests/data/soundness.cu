// Kernels for the runtime's soundness tests (runtime-hip/tests/soundness.rs),
// compiled for the host platform. `iree_test_callback` calls back into the
// test program: 1 sleeps a while (a long-running kernel), 2 runs the
// test's current "inside the kernel" action.
#include <hip/hip_runtime.h>

extern "C" void iree_test_callback(int what);

// x[i] += 1 as a read-modify-write that a second launch running at the
// same time would break: thread 0 reads, calls back (sleeps), then writes.
extern "C" __global__ void slow_increment(int* x, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int v = x[i];
  if (i == 0) iree_test_callback(1);
  x[i] = v + 1;
}

// A long-running writer: sleeps first, then fills x[0..n) with `value`
// (one block, grid-stride, so every write comes after the sleep).
extern "C" __global__ void late_fill(int* x, int n, int value) {
  if (threadIdx.x == 0) iree_test_callback(1);
  for (int i = threadIdx.x; i < n; i += blockDim.x) x[i] = value;
}

// A long-running reader of x[0].
extern "C" __global__ void slow_read(const int* x, int* out) {
  int v = x[0];
  iree_test_callback(1);
  *out = v;
}

// The barrier sits in a function that is not inlined, so the lockstep pass
// leaves it alone. The tests launch it as a plain loop (uses_barrier =
// false), which the host executor reports as a failure of the launch: a
// kernel that fails while it runs.
__device__ __noinline__ void opaque_sync() { __syncthreads(); }
extern "C" __global__ void opaque_barrier(int* out) {
  out[threadIdx.x] = 1;
  opaque_sync();
}

// One more in x[0]: counts the launches that ran, in order.
extern "C" __global__ void count_up(int* x) { x[0] += 1; }

// out[i] = in[i].
extern "C" __global__ void copy_ints(const int* __restrict__ in, int* __restrict__ out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = in[i];
}

// Calls back once (from thread 0) with `what`.
extern "C" __global__ void call_back(int what) {
  if (threadIdx.x == 0 && blockIdx.x == 0) iree_test_callback(what);
}
