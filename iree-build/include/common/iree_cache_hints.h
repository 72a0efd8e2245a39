// CUDA's load/store cache operators (`__ldg`, `__ldca`, `__ldcg`, `__ldcs`,
// `__ldlu`, `__ldcv`, `__stwb`, `__stcg`, `__stcs`, `__stwt`) for any type,
// shared by the AMD layer and the host headers (NVIDIA gets CUDA's own, or
// iree_nvidia_hints.h where clang leaves them out). They are hints: every
// one reads or writes exactly the value a plain access would. `cv` (volatile)
// rereads memory. On AMD GPUs the streaming (`cs`) and last-use (`lu`)
// accesses of scalars are non-temporal; on the CPU they stay plain, because
// x86 non-temporal stores are weakly ordered and would need a fence before
// every barrier and atomic that publishes them.
#ifndef IREE_CACHE_HINTS_H_
#define IREE_CACHE_HINTS_H_

namespace iree_cache_hints {
template <typename T>
static __device__ __forceinline__ T load_streaming(const T* p) {
#if defined(__AMDGCN__)
  if constexpr (__is_arithmetic(T)) return __builtin_nontemporal_load(p);
#endif
  return *p;
}
template <typename T>
static __device__ __forceinline__ void store_streaming(T* p, T v) {
#if defined(__AMDGCN__)
  if constexpr (__is_arithmetic(T)) {
    __builtin_nontemporal_store(v, p);
    return;
  }
#endif
  *p = v;
}
}  // namespace iree_cache_hints

#define IREE_CACHE_LOAD_(name, expr)                           \
  template <typename T>                                        \
  static __device__ __forceinline__ T name(const T* p) {       \
    return expr;                                               \
  }
#define IREE_CACHE_STORE_(name, stmt)                          \
  template <typename T>                                        \
  static __device__ __forceinline__ void name(T* p, T v) {     \
    stmt;                                                      \
  }
IREE_CACHE_LOAD_(__ldg, *p)
IREE_CACHE_LOAD_(__ldca, *p)
IREE_CACHE_LOAD_(__ldcg, *p)
IREE_CACHE_LOAD_(__ldcv, *(const volatile T*)p)
IREE_CACHE_LOAD_(__ldcs, ::iree_cache_hints::load_streaming(p))
IREE_CACHE_LOAD_(__ldlu, ::iree_cache_hints::load_streaming(p))
IREE_CACHE_STORE_(__stwb, *p = v)
IREE_CACHE_STORE_(__stcg, *p = v)
IREE_CACHE_STORE_(__stwt, *p = v)
IREE_CACHE_STORE_(__stcs, ::iree_cache_hints::store_streaming(p, v))
#undef IREE_CACHE_LOAD_
#undef IREE_CACHE_STORE_

#endif  // IREE_CACHE_HINTS_H_
