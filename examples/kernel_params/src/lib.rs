//! Kernel parameters as public kernels write them: `size_t` and `int64_t`
//! counts before and between buffers, `double`, `uint8_t`, `short` and
//! `bool` scalars, and `#[repr(C)]` structs passed by value, declared in
//! the kernel's own order (`kernels/params.cu`).

use runtime_hip::{DeviceSlice, KernelParam};

/// `out = inp * mul + add`: the element count first, as candle's kernels take it.
#[runtime_hip::extern_dispatch(
    source = "kernels/params.cu",
    workgroup_size = [64, 1, 1],
    count = |numel| [numel.div_ceil(64).min(1024), 1, 1],
)]
pub fn affine(numel: usize, inp: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, mul: f64, add: f64);

/// A strided gather: `info` is `num_dims` dims, then `num_dims` strides.
#[runtime_hip::extern_dispatch(
    source = "kernels/params.cu",
    workgroup_size = [64, 1, 1],
    count = |numel| [numel.div_ceil(64).min(1024), 1, 1],
)]
pub fn strided_copy(
    numel: usize,
    num_dims: usize,
    info: &DeviceSlice<usize>,
    inp: &DeviceSlice<f32>,
    out: &mut DeviceSlice<f32>,
);

/// `out[i] = bias` where `mask[i] != invert`, then negatives to 0 when
/// `clamp_negative`.
#[runtime_hip::extern_dispatch(
    source = "kernels/params.cu",
    workgroup_size = [64, 1, 1],
    count = |n| [(n as u64).div_ceil(64), 1, 1],
)]
pub fn mask_fill(
    mask: &DeviceSlice<u8>,
    n: i64,
    out: &mut DeviceSlice<f32>,
    invert: u8,
    bias: i16,
    clamp_negative: bool,
);

/// The kernel's `struct Params { int n; float scale; double bias; }`.
#[derive(Clone, Copy, Debug, KernelParam)]
#[repr(C)]
pub struct Params {
    /// Elements to compute.
    pub n: i32,
    /// Factor.
    pub scale: f32,
    /// Offset.
    pub bias: f64,
}

/// `out = input * p.scale + p.bias` over `p.n` elements.
#[runtime_hip::extern_dispatch(
    source = "kernels/params.cu",
    workgroup_size = [64, 1, 1],
    count = |p| [(p.n as u32).div_ceil(64), 1, 1],
)]
pub fn scale_bias(out: &mut DeviceSlice<f32>, p: Params, input: &DeviceSlice<f32>);

/// The kernel's `struct Window { unsigned char enabled; double low; short
/// width; }`, padding and all.
#[derive(Clone, Copy, Debug, KernelParam)]
#[repr(C)]
pub struct Window {
    /// Non-zero: clamp.
    pub enabled: u8,
    /// Lower bound.
    pub low: f64,
    /// Width of the window.
    pub width: i16,
}

/// Clamps `x` to the window.
#[runtime_hip::extern_dispatch(
    source = "kernels/params.cu",
    workgroup_size = [64, 1, 1],
    count = |n| [(n as u64).div_ceil(64), 1, 1],
)]
pub fn clip(w: Window, x: &mut DeviceSlice<f32>, n: i64);
