//! The kernels the benchmarks launch, declared once for the binary.

use runtime_hip::DeviceSlice;

/// `ret = lhs * rhs`: the IREE sample's kernel, memory-bound.
#[runtime_hip::extern_dispatch(
    source = "../custom_dispatch/kernels/kernels.cu",
    workgroup_size = [64, 1, 1],
    count = |dim| [(dim as u32).div_ceil(64), 1, 1],
)]
pub fn simple_mul(
    lhs: &DeviceSlice<f32>,
    rhs: &DeviceSlice<f32>,
    ret: &mut DeviceSlice<f32>,
    dim: i32,
);

/// One partial sum per block, through shared memory and barriers; launched
/// with one block per element of `partial` (the benchmark allocates
/// 8 × multiprocessor_count of them, the usual grid-stride configuration).
#[runtime_hip::extern_dispatch(
    source = "kernels/reduce.cu",
    workgroup_size = [256, 1, 1],
    count = |partial| [partial.len() as u32, 1, 1],
)]
pub fn block_sum(x: &DeviceSlice<f32>, partial: &mut DeviceSlice<f32>, n: i32);

/// An empty kernel: launch overhead alone.
#[runtime_hip::extern_dispatch(
    source = "kernels/reduce.cu",
    workgroup_size = [1, 1, 1],
    count = |n| [n as u32, 1, 1],
)]
pub fn noop(n: i32);

/// Only barriers: `iters` `__syncthreads()` per thread, 256 threads a block.
#[runtime_hip::extern_dispatch(
    source = "kernels/reduce.cu",
    workgroup_size = [256, 1, 1],
    count = |device| [8 * device.limits().multiprocessor_count, 1, 1],
)]
pub fn barriers(iters: i32);

/// A block sum through `__shfl_down_sync` (offsets written out) and one
/// shared slot per warp; launched like `block_sum`.
#[runtime_hip::extern_dispatch(
    source = "kernels/warps.cu",
    workgroup_size = [256, 1, 1],
    subgroup_size = 32,
    count = |partial| [partial.len() as u32, 1, 1],
)]
pub fn shfl_block_sum(x: &DeviceSlice<f32>, partial: &mut DeviceSlice<f32>, n: i32);

/// A row softmax, one 32-lane warp per row, 4 rows per block.
#[runtime_hip::extern_dispatch(
    source = "kernels/warps.cu",
    workgroup_size = [128, 1, 1],
    subgroup_size = 32,
    count = |rows| [(rows as u32).div_ceil(4), 1, 1],
)]
pub fn softmax_warp(x: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, rows: i32, cols: i32);

/// A layer norm, one 32-lane tile per row, 4 rows per block.
#[runtime_hip::extern_dispatch(
    source = "kernels/warps.cu",
    workgroup_size = [128, 1, 1],
    subgroup_size = 32,
    count = |rows| [(rows as u32).div_ceil(4), 1, 1],
)]
pub fn layernorm_warp(x: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, rows: i32, cols: i32);
