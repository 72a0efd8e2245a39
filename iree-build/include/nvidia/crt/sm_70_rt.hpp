// Empty stand-in for the CUDA SDK header that clang's
// __clang_cuda_intrinsics.h includes for sm_70+; everything it would add is
// either declared by clang's own headers or host-side API we do not offer.
