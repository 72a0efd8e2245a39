// Written by iree-build, force-included in every NVIDIA compile: CUDA's
// cache-hint loads and stores other than `__ldg` (`__ldca`, `__ldcg`,
// `__ldcs`, `__ldlu`, `__ldcv`, `__stwb`, `__stcg`, `__stcs`, `__stwt`).
// CUDA declares them in sm_32_intrinsics.hpp, which clang-19's CUDA
// wrapper does not include (it defines `__ldg` itself), so a kernel from
// nvcc code would not compile without these. Each is the PTX nvcc emits:
// `ld.global.<hint>` / `st.global.<hint>` of the element's width.
#ifndef IREE_NVIDIA_HINTS_H
#define IREE_NVIDIA_HINTS_H
#if defined(__CUDA__) && defined(__CUDA_ARCH__)

namespace iree_nvidia_hints {
template <typename T> struct same { typedef T type; };
}  // namespace iree_nvidia_hints

#define IREE_NV_LOAD(name, hint)                                                  \
  template <typename T> __device__ __forceinline__ T name(const T* p) {          \
    static_assert(sizeof(T) == 1 || sizeof(T) == 2 || sizeof(T) == 4 ||          \
                      sizeof(T) == 8 || sizeof(T) == 16,                         \
                  #name " loads elements of 1, 2, 4, 8 or 16 bytes");            \
    T r;                                                                         \
    if constexpr (sizeof(T) == 1) {                                              \
      unsigned v;                                                                \
      asm volatile("ld.global." hint ".u8 %0, [%1];" : "=r"(v) : "l"(p));        \
      unsigned char b = (unsigned char)v;                                        \
      __builtin_memcpy(&r, &b, 1);                                               \
    } else if constexpr (sizeof(T) == 2) {                                       \
      unsigned short v;                                                          \
      asm volatile("ld.global." hint ".b16 %0, [%1];" : "=h"(v) : "l"(p));       \
      __builtin_memcpy(&r, &v, 2);                                               \
    } else if constexpr (sizeof(T) == 4) {                                       \
      unsigned v;                                                                \
      asm volatile("ld.global." hint ".b32 %0, [%1];" : "=r"(v) : "l"(p));       \
      __builtin_memcpy(&r, &v, 4);                                               \
    } else if constexpr (sizeof(T) == 8) {                                       \
      unsigned long long v;                                                      \
      asm volatile("ld.global." hint ".b64 %0, [%1];" : "=l"(v) : "l"(p));       \
      __builtin_memcpy(&r, &v, 8);                                               \
    } else {                                                                     \
      unsigned long long v[2];                                                   \
      asm volatile("ld.global." hint ".v2.b64 {%0, %1}, [%2];"                   \
                   : "=l"(v[0]), "=l"(v[1]) : "l"(p));                           \
      __builtin_memcpy(&r, v, 16);                                               \
    }                                                                            \
    return r;                                                                    \
  }

#define IREE_NV_STORE(name, hint)                                                 \
  template <typename T>                                                          \
  __device__ __forceinline__ void name(T* p,                                     \
                                       typename iree_nvidia_hints::same<T>::type x) { \
    static_assert(sizeof(T) == 1 || sizeof(T) == 2 || sizeof(T) == 4 ||          \
                      sizeof(T) == 8 || sizeof(T) == 16,                         \
                  #name " stores elements of 1, 2, 4, 8 or 16 bytes");           \
    if constexpr (sizeof(T) == 1) {                                              \
      unsigned char b;                                                           \
      __builtin_memcpy(&b, &x, 1);                                               \
      asm volatile("st.global." hint ".u8 [%0], %1;" ::"l"(p), "r"((unsigned)b)  \
                   : "memory");                                                  \
    } else if constexpr (sizeof(T) == 2) {                                       \
      unsigned short v;                                                          \
      __builtin_memcpy(&v, &x, 2);                                               \
      asm volatile("st.global." hint ".b16 [%0], %1;" ::"l"(p), "h"(v) : "memory"); \
    } else if constexpr (sizeof(T) == 4) {                                       \
      unsigned v;                                                                \
      __builtin_memcpy(&v, &x, 4);                                               \
      asm volatile("st.global." hint ".b32 [%0], %1;" ::"l"(p), "r"(v) : "memory"); \
    } else if constexpr (sizeof(T) == 8) {                                       \
      unsigned long long v;                                                      \
      __builtin_memcpy(&v, &x, 8);                                               \
      asm volatile("st.global." hint ".b64 [%0], %1;" ::"l"(p), "l"(v) : "memory"); \
    } else {                                                                     \
      unsigned long long v[2];                                                   \
      __builtin_memcpy(v, &x, 16);                                               \
      asm volatile("st.global." hint ".v2.b64 [%0], {%1, %2};" ::"l"(p),         \
                   "l"(v[0]), "l"(v[1]) : "memory");                             \
    }                                                                            \
  }

IREE_NV_LOAD(__ldca, "ca")
IREE_NV_LOAD(__ldcg, "cg")
IREE_NV_LOAD(__ldcs, "cs")
IREE_NV_LOAD(__ldlu, "lu")
IREE_NV_LOAD(__ldcv, "cv")
IREE_NV_STORE(__stwb, "wb")
IREE_NV_STORE(__stcg, "cg")
IREE_NV_STORE(__stcs, "cs")
IREE_NV_STORE(__stwt, "wt")
#undef IREE_NV_LOAD
#undef IREE_NV_STORE

#endif  // __CUDA__ && __CUDA_ARCH__
#endif  // IREE_NVIDIA_HINTS_H
