//! IREE's `example_inline.mlir` in Rust: one inline `hal.dispatch.extern` of
//! `simple_mul` that spells out its pipeline layout and bindings in IREE's own
//! syntax (checked against the Rust signature at build time), followed by an
//! add. With `8xf32=2` and `8xf32=4` the answer is `8xf32=12 12 12 12 12 12 12 12`.
//!
//! The kernels are the `custom_dispatch` example's sources: an inline
//! declaration names its objects itself rather than a shared executable.

use runtime_hip::{DeviceBuffer, DeviceSlice, Error, Stream};

/// `ret = lhs * rhs`, declared inline with an explicit layout and bindings.
#[runtime_hip::extern_dispatch(
    source = "../custom_dispatch/kernels/kernels.cu",
    export = "simple_mul",
    layout = "#hal.pipeline.layout<push_constants = 1, sets = [<0, bindings = [<0, storage_buffer, ReadOnly>, <1, storage_buffer, ReadOnly>, <2, storage_buffer>]>]>",
    bindings = [
        "#hal.interface.binding<0, 0>",
        "#hal.interface.binding<0, 1>",
        "#hal.interface.binding<0, 2>",
    ],
    workgroup_size = [64, 1, 1],
    count = |device, dim| {
        // Like the count region's `%device`, the device can be queried here.
        let block = 64.min(device.limits().max_threads_per_block);
        [(dim as u32).div_ceil(block), 1, 1]
    },
)]
pub fn mul(lhs: &DeviceSlice<f32>, rhs: &DeviceSlice<f32>, ret: &mut DeviceSlice<f32>, dim: i32);

/// `ret = lhs + rhs`.
#[runtime_hip::extern_dispatch(
    source = "../custom_dispatch/kernels/add.cu",
    workgroup_size = [64, 1, 1],
    count = |dim| [(dim as u32).div_ceil(64), 1, 1],
)]
pub fn add(lhs: &DeviceSlice<f32>, rhs: &DeviceSlice<f32>, ret: &mut DeviceSlice<f32>, dim: i32);

/// `example_inline.mlir`'s `@mixed_invocation`: `lhs * rhs + rhs`.
pub fn mixed_invocation(
    stream: &Stream,
    lhs: &DeviceSlice<f32>,
    rhs: &DeviceSlice<f32>,
) -> Result<DeviceBuffer<f32>, Error> {
    let device = stream.device();
    let len = lhs.len();
    let dim = i32::try_from(len).map_err(|_| Error::Launch {
        kernel: "simple_mul".into(),
        reason: format!("{len} elements do not fit the kernel's i32 `dim`"),
    })?;
    let mut product = device.alloc_zeroed::<f32>(len)?;
    mul(stream, lhs, rhs, &mut product, dim)?;
    let mut sum = device.alloc_zeroed::<f32>(len)?;
    add(stream, &product, rhs, &mut sum, dim)?;
    Ok(sum)
}
