//! The device API coverage suite (docs/DEVICE_API.md): one kernel per API
//! family, in CUDA spelling (`kernels/cuda/`) and HIP spelling
//! (`kernels/hip/`), written from the CUDA and HIP programming guides. The
//! build compiles every kernel for every target; `tests/suite.rs` runs them
//! on the best device present (the host in CI) against Rust references, and
//! `tests/objects.rs` checks each GPU object exports them.

use runtime_hip::{half, DeviceSlice};

/// Blocks of 64 threads the atomics kernels run.
pub const ATOMIC_BLOCKS: u32 = 4;
/// Threads the atomics kernels run: each applies every operation once.
pub const ATOMIC_THREADS: u32 = ATOMIC_BLOCKS * 64;

/// `out[4i..4i+4]` = `__shfl_sync(v, 3)`, `__shfl_up_sync(v, 1, 16)`,
/// `__shfl_down_sync(v, 2)`, `__shfl_xor_sync(v, 5, 8)` of `v = in[i]`.
#[runtime_hip::extern_dispatch(
    source = "kernels/cuda/shuffles.cu",
    workgroup_size = [64, 1, 1],
    count = |n| [(n as u64).div_ceil(64), 1, 1],
)]
pub fn shuffles_cuda(input: &DeviceSlice<i32>, out: &mut DeviceSlice<i32>, n: usize);

/// [`shuffles_cuda`] with HIP's legacy shuffles (`__shfl(v, 3, 32)`, ...).
#[runtime_hip::extern_dispatch(
    source = "kernels/hip/shuffles.cu",
    workgroup_size = [64, 1, 1],
    count = |n| [(n as u64).div_ceil(64), 1, 1],
)]
pub fn shuffles_hip(input: &DeviceSlice<i32>, out: &mut DeviceSlice<i32>, n: usize);

/// One sum per 32 consecutive inputs (a `__shfl_down_sync` butterfly).
#[runtime_hip::extern_dispatch(
    source = "kernels/cuda/shuffles.cu",
    workgroup_size = [64, 1, 1],
    count = |input| [(input.len() as u64).div_ceil(64), 1, 1],
)]
pub fn warp_sums_cuda(input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>);

/// Per lane of the first `live` of each warp: `__ballot_sync`, `__any_sync`,
/// `__all_sync` of `in > 0` over `__activemask()`, and that mask.
#[runtime_hip::extern_dispatch(
    source = "kernels/cuda/votes.cu",
    workgroup_size = [64, 1, 1],
    count = |input| [(input.len() as u64).div_ceil(64), 1, 1],
)]
pub fn votes_cuda(input: &DeviceSlice<i32>, out: &mut DeviceSlice<u64>, live: u32);

/// [`votes_cuda`] with HIP's `__ballot`, `__any`, `__all`.
#[runtime_hip::extern_dispatch(
    source = "kernels/hip/votes.cu",
    workgroup_size = [64, 1, 1],
    count = |input| [(input.len() as u64).div_ceil(64), 1, 1],
)]
pub fn votes_hip(input: &DeviceSlice<i32>, out: &mut DeviceSlice<u64>, live: u32);

/// Cooperative groups: 16-lane tiles' ranks, shuffles, votes (10 values per
/// thread) and `cg::reduce` sum/min/max (3 per tile).
#[runtime_hip::extern_dispatch(
    source = "kernels/cuda/groups.cu",
    workgroup_size = [64, 1, 1],
    count = |input| [(input.len() as u64).div_ceil(64), 1, 1],
)]
pub fn groups_cuda(
    input: &DeviceSlice<i32>,
    per_thread: &mut DeviceSlice<i32>,
    per_tile: &mut DeviceSlice<i32>,
);

/// HIP-spelled cooperative groups: 8-lane tile sum, `shfl_xor`, `shfl_up`.
#[runtime_hip::extern_dispatch(
    source = "kernels/hip/groups.cu",
    workgroup_size = [64, 1, 1],
    count = |input| [(input.len() as u64).div_ceil(64), 1, 1],
)]
pub fn groups_hip(input: &DeviceSlice<i32>, out: &mut DeviceSlice<i32>);

/// fp16 intrinsics: 8 halves and 3 flags per element.
#[runtime_hip::extern_dispatch(
    source = "kernels/cuda/fp16.cu",
    workgroup_size = [64, 1, 1],
    count = |n| [(n as u32).div_ceil(64), 1, 1],
)]
pub fn fp16_cuda(
    a: &DeviceSlice<half::f16>,
    b: &DeviceSlice<half::f16>,
    out: &mut DeviceSlice<half::f16>,
    flags: &mut DeviceSlice<i32>,
    n: i32,
);

/// HIP-spelled fp16: `half(float(a) * scale) + a` and its float.
#[runtime_hip::extern_dispatch(
    source = "kernels/hip/fp16.cu",
    workgroup_size = [64, 1, 1],
    count = |n| [(n as u32).div_ceil(64), 1, 1],
)]
pub fn fp16_hip(
    a: &DeviceSlice<half::f16>,
    out: &mut DeviceSlice<half::f16>,
    as_float: &mut DeviceSlice<f32>,
    scale: f32,
    n: i32,
);

/// bf16 intrinsics: `bf16(x)`, a+b, a*b, fma(a, b, a) per element, and a < b.
#[runtime_hip::extern_dispatch(
    source = "kernels/cuda/bf16.cu",
    workgroup_size = [64, 1, 1],
    count = |n| [(n as u32).div_ceil(64), 1, 1],
)]
pub fn bf16_cuda(
    x: &DeviceSlice<f32>,
    a: &DeviceSlice<half::bf16>,
    b: &DeviceSlice<half::bf16>,
    out: &mut DeviceSlice<half::bf16>,
    lt: &mut DeviceSlice<i32>,
    n: i32,
);

/// HIP-spelled bf16: `bf16(x)² - 1` and its float.
#[runtime_hip::extern_dispatch(
    source = "kernels/hip/bf16.cu",
    workgroup_size = [64, 1, 1],
    count = |n| [(n as u32).div_ceil(64), 1, 1],
)]
pub fn bf16_hip(
    x: &DeviceSlice<f32>,
    out: &mut DeviceSlice<half::bf16>,
    back: &mut DeviceSlice<f32>,
    n: i32,
);

/// The atomic set (see `kernels/cuda/atomics.cu`), [`ATOMIC_THREADS`] threads.
#[runtime_hip::extern_dispatch(
    source = "kernels/cuda/atomics.cu",
    workgroup_size = [64, 1, 1],
    count = |u32s| [u32s.len().min(1) as u32 * ATOMIC_BLOCKS, 1, 1],
)]
pub fn atomics_cuda(
    u32s: &mut DeviceSlice<u32>,
    i32s: &mut DeviceSlice<i32>,
    u64s: &mut DeviceSlice<u64>,
    i64s: &mut DeviceSlice<i64>,
    f32s: &mut DeviceSlice<f32>,
    f64s: &mut DeviceSlice<f64>,
);

/// HIP-spelled `atomicInc`/`atomicDec` with `limit`, and a float add, by
/// [`ATOMIC_THREADS`] threads.
#[runtime_hip::extern_dispatch(
    source = "kernels/hip/atomics.cu",
    workgroup_size = [64, 1, 1],
    count = |counters| [counters.len().min(1) as u32 * ATOMIC_BLOCKS, 1, 1],
)]
pub fn atomics_hip(counters: &mut DeviceSlice<u32>, sum: &mut DeviceSlice<f32>, limit: u32);

/// 14 float math results per input (`kernels/cuda/math_float.cu`).
#[runtime_hip::extern_dispatch(
    source = "kernels/cuda/math_float.cu",
    workgroup_size = [64, 1, 1],
    count = |n| [(n as u32).div_ceil(64), 1, 1],
)]
pub fn math_float_cuda(x: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, n: i32);

/// 10 double math results per input (`kernels/cuda/math_double.cu`).
#[runtime_hip::extern_dispatch(
    source = "kernels/cuda/math_double.cu",
    workgroup_size = [64, 1, 1],
    count = |n| [(n as u32).div_ceil(64), 1, 1],
)]
pub fn math_double_cuda(x: &DeviceSlice<f64>, out: &mut DeviceSlice<f64>, n: i32);

/// HIP-spelled math: 3 float and 2 double results per input.
#[runtime_hip::extern_dispatch(
    source = "kernels/hip/math.cu",
    workgroup_size = [64, 1, 1],
    count = |n| [(n as u32).div_ceil(64), 1, 1],
)]
pub fn math_hip(
    xf: &DeviceSlice<f32>,
    xd: &DeviceSlice<f64>,
    of: &mut DeviceSlice<f32>,
    od: &mut DeviceSlice<f64>,
    n: i32,
);

/// `out = a + b + a` and `out2 = 2 out` through cache-hinted loads and
/// stores, a `__launch_bounds__(256)` grid-stride loop over 4 blocks.
#[runtime_hip::extern_dispatch(
    source = "kernels/cuda/hints.cu",
    workgroup_size = [256, 1, 1],
    count = |n| [n.div_ceil(256).clamp(1, 4) as u32, 1, 1],
)]
pub fn hints_cuda(
    a: &DeviceSlice<f32>,
    b: &DeviceSlice<f32>,
    out: &mut DeviceSlice<f32>,
    out2: &mut DeviceSlice<f32>,
    n: usize,
);

/// `out = 3 __ldg(a)`, `__launch_bounds__(128, 2)`.
#[runtime_hip::extern_dispatch(
    source = "kernels/hip/hints.cu",
    workgroup_size = [128, 1, 1],
    count = |n| [(n as u32).div_ceil(128), 1, 1],
)]
pub fn hints_hip(a: &DeviceSlice<i32>, out: &mut DeviceSlice<i32>, n: i32);

/// Device printf (thread 0 of each block), `out[i] = i`.
#[runtime_hip::extern_dispatch(
    source = "kernels/cuda/print.cu",
    workgroup_size = [64, 1, 1],
    count = |n| [(n as u32).div_ceil(64), 1, 1],
)]
pub fn print_cuda(out: &mut DeviceSlice<i32>, n: i32);

/// HIP-spelled device printf, `out[i] = -i`.
#[runtime_hip::extern_dispatch(
    source = "kernels/hip/print.cu",
    workgroup_size = [64, 1, 1],
    count = |n| [(n as u32).div_ceil(64), 1, 1],
)]
pub fn print_hip(out: &mut DeviceSlice<i32>, n: i32);
