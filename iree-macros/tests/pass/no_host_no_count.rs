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

// Counts of other integer types convert with `u32::try_from`.
#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1], count = |n| [n / 64 + 1, 1, 1])]
fn signed(x: &mut DeviceSlice<f32>, n: i32);

#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1], count = |n| [u64::from(n) * 2, 1, 1])]
fn wide(x: &mut DeviceSlice<f32>, n: u32);

#[allow(dead_code)]
fn more() {
    let s: fn(&Stream, &mut DeviceSlice<f32>, i32) -> Result<(), Error> = signed;
    let w: fn(&Stream, &mut DeviceSlice<f32>, u32) -> Result<(), Error> = wide;
    std::hint::black_box((s, w));
}
