//! IREE's HIP `custom_dispatch` sample (`samples/custom_dispatch/hip`), in Rust.
//!
//! The same kernels (`kernels/kernels.cu` is the sample's file, unchanged)
//! and the same program: `mixed_invocation(lhs, rhs)` runs `simple_mul`, then
//! the element-wise add the IREE sample leaves to codegen (a small kernel of
//! ours, `kernels/add.cu`, so it runs on the device too), then
//! `simple_mul_inplace`. With `8xf32=2` and `8xf32=4` the answer is
//! `8xf32=96 96 96 96 96 96 96 96`.

use runtime_hip::{DeviceBuffer, DeviceSlice, Error, Stream};

/// `ret = lhs * rhs`
#[runtime_hip::extern_dispatch(
    source = "kernels/kernels.cu",
    workgroup_size = [64, 1, 1],
    count = |dim| [(dim as u32).div_ceil(64), 1, 1],
)]
pub fn simple_mul(
    lhs: &DeviceSlice<f32>,
    rhs: &DeviceSlice<f32>,
    ret: &mut DeviceSlice<f32>,
    dim: i32,
);

/// `rhs *= lhs`, in place through a read-write binding.
#[runtime_hip::extern_dispatch(
    source = "kernels/kernels.cu",
    workgroup_size = [64, 1, 1],
    count = |dim| [(dim as u32).div_ceil(64), 1, 1],
)]
pub fn simple_mul_inplace(lhs: &DeviceSlice<f32>, rhs: &mut DeviceSlice<f32>, dim: i32);

/// `ret = lhs + rhs`: the `arith.addf` of the IREE sample.
#[runtime_hip::extern_dispatch(
    source = "kernels/add.cu",
    workgroup_size = [64, 1, 1],
    count = |dim| [(dim as u32).div_ceil(64), 1, 1],
)]
pub fn add(lhs: &DeviceSlice<f32>, rhs: &DeviceSlice<f32>, ret: &mut DeviceSlice<f32>, dim: i32);

/// The sample's `@mixed_invocation`: `(lhs * rhs + rhs) * (lhs * rhs)`.
pub fn mixed_invocation(
    stream: &Stream,
    lhs: &DeviceSlice<f32>,
    rhs: &DeviceSlice<f32>,
) -> Result<DeviceBuffer<f32>, Error> {
    let device = stream.device();
    let len = lhs.len();
    // The seed's HACK: constants are 32-bit, so the length travels as i32.
    let dim = i32::try_from(len).map_err(|_| Error::Launch {
        kernel: "simple_mul".into(),
        reason: format!("{len} elements do not fit the kernel's i32 `dim`"),
    })?;
    let mut product = device.alloc_zeroed::<f32>(len)?;
    simple_mul(stream, lhs, rhs, &mut product, dim)?;
    let mut sum = device.alloc_zeroed::<f32>(len)?;
    add(stream, &product, rhs, &mut sum, dim)?;
    simple_mul_inplace(stream, &product, &mut sum, dim)?;
    Ok(sum)
}
