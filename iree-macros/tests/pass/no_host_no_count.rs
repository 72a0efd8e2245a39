//! A declaration without `count` (one workgroup), without a host variant,
//! with scalars of every push-constant type, private, with a renamed export.
#![deny(warnings)]

use runtime_hip::{DeviceSlice, Error, Stream};

#[iree_macros::extern_dispatch(
    objects = { "gfx1100" = "prebuilt/fill.co" },
    export = "fill_kernel",
    workgroup_size = [32, 1, 1],
)]
fn fill(out: &mut DeviceSlice<u32>, a: i32, b: u32, c: f32);

/// Counts from a `&mut` buffer and a scalar, with annotated closure types.
#[iree_macros::extern_dispatch(
    source = "kernels/k.cu",
    workgroup_size = [8, 8, 1],
    count = |out: &DeviceSlice<f32>, rows: u32| -> [u32; 3] { [rows, 1, { let _ = out; 1 }] },
)]
pub(crate) fn rows(out: &mut DeviceSlice<f32>, rows: u32);

fn main() {
    let f: fn(&Stream, &mut DeviceSlice<u32>, i32, u32, f32) -> Result<(), Error> = fill;
    let r: fn(&Stream, &mut DeviceSlice<f32>, u32) -> Result<(), Error> = rows;
    std::hint::black_box((f, r));
}
