// Kernels in the shapes public CUDA code writes them: C++ linkage, function
// templates, a namespace, overloads. No `extern "C"` anywhere: the
// declarations in src/lib.rs name them as C++ does.
#include <hip/hip_runtime.h>

// C++ linkage, not a template: `_Z9vectorAddPKfS0_Pfi` in every object.
__global__ void vectorAdd(const float* a, const float* b, float* c, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) c[i] = a[i] + b[i];
}

// A tiled square matrix multiply templated on its tile edge, as the CUDA
// samples write it. C = A * B for row-major n x n matrices, n a multiple
// of BLOCK.
template <int BLOCK>
__global__ void MatrixMulCUDA(float* C, const float* A, const float* B, int n) {
  __shared__ float As[BLOCK][BLOCK];
  __shared__ float Bs[BLOCK][BLOCK];
  int tx = threadIdx.x, ty = threadIdx.y;
  int row = blockIdx.y * BLOCK + ty, col = blockIdx.x * BLOCK + tx;
  float acc = 0.0f;
  for (int t = 0; t < n; t += BLOCK) {
    As[ty][tx] = A[row * n + t + tx];
    Bs[ty][tx] = B[(t + ty) * n + col];
    __syncthreads();
    for (int k = 0; k < BLOCK; ++k) acc += As[ty][k] * Bs[k][tx];
    __syncthreads();
  }
  C[row * n + col] = acc;
}

// The source instantiates the 16-wide tile itself; nothing here
// instantiates MatrixMulCUDA<8>: the build does, for the declaration that
// names it.
template __global__ void MatrixMulCUDA<16>(float*, const float*, const float*, int);

namespace blocks {
// Per-block sums of a grid-stride pass over `in`: out[blockIdx.x]. A
// template on the element type and the block size, never instantiated here.
template <typename T, unsigned BLOCK>
__global__ void reduce_sum(const T* in, T* out, unsigned n) {
  __shared__ T partial[BLOCK];
  T sum = 0;
  for (unsigned i = blockIdx.x * BLOCK + threadIdx.x; i < n; i += gridDim.x * BLOCK) sum += in[i];
  partial[threadIdx.x] = sum;
  __syncthreads();
  for (unsigned s = BLOCK / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) partial[threadIdx.x] += partial[threadIdx.x + s];
    __syncthreads();
  }
  if (threadIdx.x == 0) out[blockIdx.x] = partial[0];
}
}  // namespace blocks

// Overloads: a declaration picks one by its parameter list.
__global__ void scale(float* x, float s, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) x[i] *= s;
}
__global__ void scale(int* x, int s, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) x[i] *= s;
}
