//! The kernel both sides of each figure launch: the IREE sample's
//! `simple_mul`, compiled by `build.rs` from the same file as
//! `examples/custom_dispatch`, with its typed wrapper and the bundle the
//! wrapper loads from (the raw side loads the very same variant bytes).

use runtime_hip::DeviceSlice;

/// `ret = lhs * rhs`, one thread per element, 64 per block.
#[runtime_hip::extern_dispatch(
    source = "../../examples/custom_dispatch/kernels/kernels.cu",
    workgroup_size = [64, 1, 1],
    count = |dim| [(dim as u32).div_ceil(64), 1, 1],
)]
pub fn simple_mul(
    lhs: &DeviceSlice<f32>,
    rhs: &DeviceSlice<f32>,
    ret: &mut DeviceSlice<f32>,
    dim: i32,
);

/// The build's bundle: the executable `simple_mul` lives in, every variant.
pub const BUNDLE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/iree/gpu_check.bundle"));

/// Threads per block of `simple_mul` (its `workgroup_size`).
pub const BLOCK: u32 = 64;
