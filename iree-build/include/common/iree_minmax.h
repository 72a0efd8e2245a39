// `min`/`max` of two different integer types, compared and returned in the
// type the usual arithmetic conversions give (`std::common_type`), as CUDA's
// overloads do (`min(int, unsigned)` is an unsigned min): one exact
// non-template overload per ordered pair, so a call never goes through a
// floating-point overload or template. Shared by the AMD layer and the host
// headers; the same-type and floating-point overloads are each platform's.
#ifndef IREE_MINMAX_H_
#define IREE_MINMAX_H_

namespace iree_minmax {
typedef unsigned int u32;
typedef unsigned long ul;
typedef long long ll;
typedef unsigned long long ull;
}  // namespace iree_minmax
#define IREE_MINMAX_PAIR_(A, B)                                                          \
  static __device__ __forceinline__ decltype(A() + B()) min(A a, B b) {                \
    typedef decltype(A() + B()) C;                                                       \
    return C(a) < C(b) ? C(a) : C(b);                                                    \
  }                                                                                      \
  static __device__ __forceinline__ decltype(A() + B()) max(A a, B b) {                \
    typedef decltype(A() + B()) C;                                                       \
    return C(a) > C(b) ? C(a) : C(b);                                                    \
  }
#define IREE_MINMAX_ROW_(A, B1, B2, B3, B4, B5) \
  IREE_MINMAX_PAIR_(A, B1)                      \
  IREE_MINMAX_PAIR_(A, B2)                      \
  IREE_MINMAX_PAIR_(A, B3)                      \
  IREE_MINMAX_PAIR_(A, B4)                      \
  IREE_MINMAX_PAIR_(A, B5)
IREE_MINMAX_ROW_(int, iree_minmax::u32, long, iree_minmax::ul, iree_minmax::ll, iree_minmax::ull)
IREE_MINMAX_ROW_(iree_minmax::u32, int, long, iree_minmax::ul, iree_minmax::ll, iree_minmax::ull)
IREE_MINMAX_ROW_(long, int, iree_minmax::u32, iree_minmax::ul, iree_minmax::ll, iree_minmax::ull)
IREE_MINMAX_ROW_(iree_minmax::ul, int, iree_minmax::u32, long, iree_minmax::ll, iree_minmax::ull)
IREE_MINMAX_ROW_(iree_minmax::ll, int, iree_minmax::u32, long, iree_minmax::ul, iree_minmax::ull)
IREE_MINMAX_ROW_(iree_minmax::ull, int, iree_minmax::u32, long, iree_minmax::ul, iree_minmax::ll)
#undef IREE_MINMAX_ROW_
#undef IREE_MINMAX_PAIR_

#endif  // IREE_MINMAX_H_
