// PLACEHOLDER host HIP header, written by the compile module's engineer only
// so the host target can be compiled and tested; the host-platform owner's
// header replaces it at merge. It mirrors runtime_hip::host::abi: kernels
// read their built-in variables from thread-locals set from a HostLaunch, and
// IREE_HOST_EXPORT(k) defines __iree_host_block_k, __iree_host_thread_k and
// __iree_host_sig_k = {argc, sizeof(arg0), ...}.
#ifndef IREE_HOST_HIP_RUNTIME_H
#define IREE_HOST_HIP_RUNTIME_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include <utility>

#define __host__
#define __device__
#define __forceinline__ inline __attribute__((always_inline))
#define __shared__ static
#define __constant__
#define __global__ __attribute__((section(".text.iree_kernel"), noinline))
#define __launch_bounds__(...)

struct iree_host_launch {
  unsigned grid_dim[3], block_dim[3], block_idx[3], thread_idx[3];
};
struct iree_dim3 {
  unsigned x, y, z;
};

extern "C" void __iree_host_barrier(void);
inline thread_local iree_dim3 threadIdx, blockIdx, blockDim, gridDim;
static const int warpSize = 1;
#define __syncthreads() __iree_host_barrier()

// Atomics over the GCC builtins (threads of a block may run concurrently).
template <typename T> inline T atomicAdd(T *p, T v) {
  T old, next;
  __atomic_load(p, &old, __ATOMIC_RELAXED);
  do {
    next = old + v;
  } while (!__atomic_compare_exchange(p, &old, &next, true, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
  return old;
}
template <typename T> inline T atomicExch(T *p, T v) {
  T old;
  __atomic_exchange(p, &v, &old, __ATOMIC_SEQ_CST);
  return old;
}
template <typename T> inline T atomicCAS(T *p, T c, T v) {
  __atomic_compare_exchange(p, &c, &v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  return c;
}

namespace iree_host {
inline iree_dim3 dim(const unsigned *v) { return iree_dim3{v[0], v[1], v[2]}; }
template <typename F> struct sig;
template <typename... A> struct sig<void(A...)> {
  struct type {
    unsigned v[1 + sizeof...(A)];
  };
  static constexpr type value = {{(unsigned)sizeof...(A), (unsigned)sizeof(A)...}};
  template <size_t... I>
  static void call(void (*f)(A...), void *const *args, std::index_sequence<I...>) {
    f(*static_cast<A *>(args[I])...);
  }
  static void thread(void (*f)(A...), const iree_host_launch *l, void *const *args) {
    gridDim = dim(l->grid_dim);
    blockDim = dim(l->block_dim);
    blockIdx = dim(l->block_idx);
    threadIdx = dim(l->thread_idx);
    call(f, args, std::index_sequence_for<A...>{});
  }
  static void block(void (*f)(A...), const iree_host_launch *l, void *const *args) {
    gridDim = dim(l->grid_dim);
    blockDim = dim(l->block_dim);
    blockIdx = dim(l->block_idx);
    for (unsigned z = 0; z < blockDim.z; ++z)
      for (unsigned y = 0; y < blockDim.y; ++y)
        for (unsigned x = 0; x < blockDim.x; ++x) {
          threadIdx = iree_dim3{x, y, z};
          call(f, args, std::index_sequence_for<A...>{});
        }
  }
};
}  // namespace iree_host

#define IREE_HOST_EXPORT(k)                                                          \
  extern "C" const iree_host::sig<decltype(k)>::type __iree_host_sig_##k =           \
      iree_host::sig<decltype(k)>::value;                                            \
  extern "C" void __iree_host_thread_##k(const iree_host_launch *l, void *const *a) { \
    iree_host::sig<decltype(k)>::thread(k, l, a);                                    \
  }                                                                                  \
  extern "C" void __iree_host_block_##k(const iree_host_launch *l, void *const *a) {  \
    iree_host::sig<decltype(k)>::block(k, l, a);                                     \
  }

#endif  // IREE_HOST_HIP_RUNTIME_H
