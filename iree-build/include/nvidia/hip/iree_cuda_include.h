// Written by iree-build: brackets the include of a CUDA header from our HIP
// headers on NVIDIA, hiding hip_runtime.h's maskless warp-function macros
// while CUDA declares its own overloads of those names. Use:
//   #include <hip/iree_cuda_include.h>  // with IREE_CUDA_HEADER defined
#ifndef IREE_CUDA_HEADER
#error "define IREE_CUDA_HEADER to the CUDA header to include"
#endif
#pragma push_macro("__shfl")
#pragma push_macro("__shfl_up")
#pragma push_macro("__shfl_down")
#pragma push_macro("__shfl_xor")
#pragma push_macro("__any")
#pragma push_macro("__all")
#pragma push_macro("__ballot")
#undef __shfl
#undef __shfl_up
#undef __shfl_down
#undef __shfl_xor
#undef __any
#undef __all
#undef __ballot
#include IREE_CUDA_HEADER
#pragma pop_macro("__shfl")
#pragma pop_macro("__shfl_up")
#pragma pop_macro("__shfl_down")
#pragma pop_macro("__shfl_xor")
#pragma pop_macro("__any")
#pragma pop_macro("__all")
#pragma pop_macro("__ballot")
#undef IREE_CUDA_HEADER
