//! A crate of its own compiling the same `.cu` as `kernel_files` does:
//! its host objects link into the same program without clashing.

use runtime_hip::DeviceSlice;

/// `kernel_files`' first.cu `apply`, built by this crate.
#[runtime_hip::extern_dispatch(
    source = "../kernels/first.cu",
    export = "apply",
    workgroup_size = [64, 1, 1],
    count = |n| [(n as u32).div_ceil(64), 1, 1],
)]
pub fn apply_in_other_crate(input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, n: i32);
