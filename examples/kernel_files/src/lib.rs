//! Kernel files are private units on every target, the host included: the
//! two files here define the same helper, `__shared__` array and kernel
//! name, and `kernel_files_other` compiles `first.cu` again in its own
//! build; all three link into one program and each keeps its meaning.

use runtime_hip::DeviceSlice;

pub use kernel_files_other::apply_in_other_crate;

/// `out[i] = in[i] + 1` (first.cu's `adjust`).
#[runtime_hip::extern_dispatch(
    source = "kernels/first.cu",
    export = "apply",
    workgroup_size = [64, 1, 1],
    count = |n| [(n as u32).div_ceil(64), 1, 1],
)]
pub fn apply_first(input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, n: i32);

/// `out[i] = in[i] * 2` (second.cu's `adjust`).
#[runtime_hip::extern_dispatch(
    source = "kernels/second.cu",
    export = "apply",
    workgroup_size = [64, 1, 1],
    count = |n| [(n as u32).div_ceil(64), 1, 1],
)]
pub fn apply_second(input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, n: i32);

/// Reverses each 64-element chunk, through `extern __shared__` memory.
#[runtime_hip::extern_dispatch(
    source = "kernels/first.cu",
    workgroup_size = [64, 1, 1],
    workgroup_local_memory = 256,
    count = |n| [(n as u32).div_ceil(64), 1, 1],
)]
pub fn reverse_blocks(input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, n: i32);
