//! The host backend's warp kernels (`runtime-hip/src/host/tests/warps.cu`,
//! the file the host unit tests load, compiled where it lies: one
//! definition) built for every target of the device-API suite, so that
//! docs/GPU.md's `warp` check runs them on a GPU against the same references
//! the host tests use (`runtime-hip/src/host/tests/warp_refs.rs`).
//! `tests/suite.rs` runs every kernel on the best device present (the host
//! in CI) and `tests/objects.rs` checks each GPU object defines them.
//!
//! Workgroup sizes are the ones `warps.rs` launches with; a kernel it runs
//! at several block sizes (`shfl_scan`) has one declaration per size.

use runtime_hip::DeviceSlice;

/// Threads per block of [`warp_block_sum`].
pub const BLOCK_SUM_THREADS: usize = 256;
/// Elements each thread of [`warp_block_sum`] adds before the reduction:
/// the grid is `n / (256 * 16)` blocks (7 for 100 003), a grid-stride loop.
pub const BLOCK_SUM_PER_THREAD: usize = 16;

/// `out[b]` = the sum of `input[i]` over every `i` with `i / 256 % grid == b`
/// (a grid-stride loop, then a block sum with offsets written out for
/// 32-lane warps).
#[runtime_hip::extern_dispatch(
    source = "../../runtime-hip/src/host/tests/warps.cu",
    workgroup_size = [256, 1, 1],
    count = |n| [(n as u32).div_ceil(256 * 16), 1, 1],
)]
pub fn warp_block_sum(input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, n: i32);

/// Per thread: its warp's sum (an xor butterfly over `warpSize`), and
/// `warp * 1000 + lane + (warpSize << 16)`.
#[runtime_hip::extern_dispatch(
    source = "../../runtime-hip/src/host/tests/warps.cu",
    workgroup_size = [192, 1, 1],
    count = |input| [(input.len() / 192) as u32, 1, 1],
)]
pub fn warp_allreduce(
    input: &DeviceSlice<i32>,
    out: &mut DeviceSlice<i32>,
    ids: &mut DeviceSlice<i32>,
);

/// An inclusive scan of each block of 64.
#[runtime_hip::extern_dispatch(
    source = "../../runtime-hip/src/host/tests/warps.cu",
    export = "shfl_scan",
    workgroup_size = [64, 1, 1],
    count = |input| [(input.len() / 64) as u32, 1, 1],
)]
pub fn shfl_scan_64(input: &DeviceSlice<i32>, out: &mut DeviceSlice<i32>);

/// An inclusive scan of each block of 256.
#[runtime_hip::extern_dispatch(
    source = "../../runtime-hip/src/host/tests/warps.cu",
    export = "shfl_scan",
    workgroup_size = [256, 1, 1],
    count = |input| [(input.len() / 256) as u32, 1, 1],
)]
pub fn shfl_scan_256(input: &DeviceSlice<i32>, out: &mut DeviceSlice<i32>);

/// An inclusive scan of each block of 1024.
#[runtime_hip::extern_dispatch(
    source = "../../runtime-hip/src/host/tests/warps.cu",
    export = "shfl_scan",
    workgroup_size = [1024, 1, 1],
    count = |input| [(input.len() / 1024) as u32, 1, 1],
)]
pub fn shfl_scan_1024(input: &DeviceSlice<i32>, out: &mut DeviceSlice<i32>);

/// Each warp's positive inputs, in order, at the start of its stretch of
/// `out`; `counts[warp]` = their number `| any << 16 | all << 17`.
#[runtime_hip::extern_dispatch(
    source = "../../runtime-hip/src/host/tests/warps.cu",
    workgroup_size = [128, 1, 1],
    count = |input| [(input.len() / 128) as u32, 1, 1],
)]
pub fn ballot_compact(
    input: &DeviceSlice<i32>,
    out: &mut DeviceSlice<i32>,
    counts: &mut DeviceSlice<i32>,
);

/// `cg::reduce` sums of 16-lane tiles, inclusive and exclusive scans of
/// 4-lane tiles (`incl * 100 + excl`), and each thread's ranks.
#[runtime_hip::extern_dispatch(
    source = "../../runtime-hip/src/host/tests/warps.cu",
    workgroup_size = [128, 1, 1],
    count = |input| [(input.len() / 128) as u32, 1, 1],
)]
pub fn tile_ops(
    input: &DeviceSlice<i32>,
    sums: &mut DeviceSlice<i32>,
    scans: &mut DeviceSlice<i32>,
    ranks: &mut DeviceSlice<i32>,
);

/// 8-lane tiles of one warp at two reductions at once: even tiles' sums,
/// odd tiles' maxima.
#[runtime_hip::extern_dispatch(
    source = "../../runtime-hip/src/host/tests/warps.cu",
    workgroup_size = [96, 1, 1],
    count = |input| [(input.len() / 96) as u32, 1, 1],
)]
pub fn tile_reduce_mixed(input: &DeviceSlice<i32>, out: &mut DeviceSlice<i32>);

/// Shuffles under partial masks, `__activemask` and a ballot after lanes
/// 20 and up left (written for 32-lane warps).
#[runtime_hip::extern_dispatch(
    source = "../../runtime-hip/src/host/tests/warps.cu",
    workgroup_size = [96, 1, 1],
    count = |input| [(input.len() / 96) as u32, 1, 1],
)]
pub fn partial_masks(
    input: &DeviceSlice<i32>,
    out: &mut DeviceSlice<i32>,
    masks: &mut DeviceSlice<u64>,
);

/// Every shuffle at widths 4, 8 and 16: 12 values per thread.
#[runtime_hip::extern_dispatch(
    source = "../../runtime-hip/src/host/tests/warps.cu",
    workgroup_size = [128, 1, 1],
    count = |input| [(input.len() / 128) as u32, 1, 1],
)]
pub fn widths(input: &DeviceSlice<i32>, out: &mut DeviceSlice<i32>);

/// A softmax of each row, one warp per row. Blocks of 128 hold 4 warps of
/// 32 or 2 of 64: the grid is sized for 2 rows a block, and on 32-lane
/// warps the blocks past the last row return at once.
#[runtime_hip::extern_dispatch(
    source = "../../runtime-hip/src/host/tests/warps.cu",
    workgroup_size = [128, 1, 1],
    count = |rows| [(rows as u32).div_ceil(2), 1, 1],
)]
pub fn softmax_rows(input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, rows: i32, cols: i32);

/// A layer norm of each row, one 32-lane tile per row (grid as
/// [`softmax_rows`]).
#[runtime_hip::extern_dispatch(
    source = "../../runtime-hip/src/host/tests/warps.cu",
    workgroup_size = [128, 1, 1],
    count = |rows| [(rows as u32).div_ceil(2), 1, 1],
)]
pub fn layernorm_rows(input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, rows: i32, cols: i32);
