// Kernels in the shapes public CUDA code writes them: sizes as `size_t`
// first, then the buffers (candle's unary and strided kernels), 64-bit and
// small scalars between buffers, and parameter structs passed by value.
#include <hip/hip_runtime.h>
#include <stddef.h>
#include <stdint.h>

// `out = inp * mul + add`, elementwise.
extern "C" __global__ void affine(const size_t numel, const float* inp, float* out,
                                  const double mul, const double add) {
  for (size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < numel;
       i += (size_t)blockDim.x * gridDim.x) {
    out[i] = (float)((double)inp[i] * mul + add);
  }
}

// A strided gather: `info` holds `num_dims` dims, then `num_dims` strides
// (in elements) of `inp`; `out` is contiguous.
extern "C" __global__ void strided_copy(const size_t numel, const size_t num_dims,
                                        const size_t* info, const float* inp, float* out) {
  const size_t* dims = info;
  const size_t* strides = info + num_dims;
  for (size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < numel;
       i += (size_t)blockDim.x * gridDim.x) {
    size_t rest = i, offset = 0;
    for (size_t d = num_dims; d-- > 0;) {
      offset += (rest % dims[d]) * strides[d];
      rest /= dims[d];
    }
    out[i] = inp[offset];
  }
}

// Where `mask[i] != invert`, `out[i] = bias`; then negatives become 0 when
// `clamp_negative`. Scalars between and after the buffers.
extern "C" __global__ void mask_fill(const uint8_t* mask, int64_t n, float* out, uint8_t invert,
                                     short bias, bool clamp_negative) {
  int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  if ((mask[i] != 0) != (invert != 0)) out[i] = (float)bias;
  if (clamp_negative && out[i] < 0.0f) out[i] = 0.0f;
}

struct Params {
  int n;
  float scale;
  double bias;
};

// `out = in * p.scale + p.bias` over `p.n` elements: the struct between
// the buffers.
extern "C" __global__ void scale_bias(float* out, Params p, const float* in) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < p.n) out[i] = (float)(in[i] * p.scale + p.bias);
}

// A struct with padding after `enabled` (7 bytes) and after `width`
// (6 bytes): 24 bytes, aligned to 8.
struct Window {
  unsigned char enabled;
  double low;
  short width;
};

// Clamps `x` to `[w.low, w.low + w.width]` when `w.enabled`: the struct first.
extern "C" __global__ void clip(Window w, float* x, long long n) {
  long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n || !w.enabled) return;
  double v = x[i];
  double hi = w.low + w.width;
  x[i] = (float)(v < w.low ? w.low : (v > hi ? hi : v));
}
