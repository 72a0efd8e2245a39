//! The `custom_dispatch` exports from prebuilt objects: IREE's external HSACO
//! route (`#hal.executable.object<{path = "kernels_gfx1100.co"}>`). Each
//! target names its own file: raw HSACO, a clang offload bundle (unbundled by
//! target id at build time) or PTX. Every object is inspected and verified
//! against the declaration exactly like compiled ones.

use runtime_hip::{DeviceBuffer, DeviceSlice, Error, Stream};

/// `ret = lhs * rhs`
#[runtime_hip::extern_dispatch(
    objects = {
        "gfx1100" = "prebuilt/kernels_gfx1100.co",
        "gfx90a" = "prebuilt/kernels_gfx90a.co",
        "gfx942" = "prebuilt/kernels_gfx942.hipfb",
        "sm_80" = "prebuilt/kernels_sm_80.ptx",
        "host" = "../custom_dispatch/kernels/kernels.cu",
    },
    workgroup_size = [64, 1, 1],
    count = |dim| [(dim as u32).div_ceil(64), 1, 1],
)]
pub fn simple_mul(
    lhs: &DeviceSlice<f32>,
    rhs: &DeviceSlice<f32>,
    ret: &mut DeviceSlice<f32>,
    dim: i32,
);

/// `rhs *= lhs`
#[runtime_hip::extern_dispatch(
    objects = {
        "gfx1100" = "prebuilt/kernels_gfx1100.co",
        "gfx90a" = "prebuilt/kernels_gfx90a.co",
        "gfx942" = "prebuilt/kernels_gfx942.hipfb",
        "sm_80" = "prebuilt/kernels_sm_80.ptx",
        "host" = "../custom_dispatch/kernels/kernels.cu",
    },
    workgroup_size = [64, 1, 1],
    count = |dim| [(dim as u32).div_ceil(64), 1, 1],
)]
pub fn simple_mul_inplace(lhs: &DeviceSlice<f32>, rhs: &mut DeviceSlice<f32>, dim: i32);

/// `lhs * rhs * rhs`: both prebuilt exports in sequence.
pub fn square_mul(
    stream: &Stream,
    lhs: &DeviceSlice<f32>,
    rhs: &DeviceSlice<f32>,
) -> Result<DeviceBuffer<f32>, Error> {
    let len = lhs.len();
    let dim = i32::try_from(len).map_err(|_| Error::Launch {
        kernel: "simple_mul".into(),
        reason: format!("{len} elements do not fit the kernel's i32 `dim`"),
    })?;
    let mut out = stream.device().alloc_zeroed::<f32>(len)?;
    simple_mul(stream, lhs, rhs, &mut out, dim)?;
    simple_mul_inplace(stream, rhs, &mut out, dim)?;
    Ok(out)
}
