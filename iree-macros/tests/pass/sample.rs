//! Both exports of IREE's `custom_dispatch` sample, with a host variant: the
//! expansions must type-check, link against the host entry symbols and keep
//! the declared signatures.
#![deny(warnings, missing_docs, unsafe_code)]

use runtime_hip::host::HostLaunch;
use runtime_hip::{DeviceSlice, Error, Stream};

/// `ret = lhs * rhs`
#[iree_macros::extern_dispatch(
    source = "kernels/kernels.cu",
    workgroup_size = [64, 1, 1],
    count = |dim| [(dim as u32).div_ceil(64), 1, 1],
)]
pub fn simple_mul(lhs: &DeviceSlice<f32>, rhs: &DeviceSlice<f32>, ret: &mut DeviceSlice<f32>, dim: i32);

/// `rhs *= lhs`
#[iree_macros::extern_dispatch(
    source = "kernels/kernels.cu",
    workgroup_size = [64, 1, 1],
    count = |dim| [(dim as u32).div_ceil(64), 1, 1],
)]
pub fn simple_mul_inplace(lhs: &DeviceSlice<f32>, rhs: &mut DeviceSlice<f32>, dim: i32);

// What the build's host object would define.
#[allow(unsafe_code)]
#[no_mangle]
unsafe extern "C" fn __iree_host_block_simple_mul(_: *const HostLaunch, _: *const *mut std::ffi::c_void) {}
#[allow(unsafe_code)]
#[no_mangle]
unsafe extern "C" fn __iree_host_thread_simple_mul(_: *const HostLaunch, _: *const *mut std::ffi::c_void) {}
#[allow(unsafe_code)]
#[no_mangle]
unsafe extern "C" fn __iree_host_block_simple_mul_inplace(_: *const HostLaunch, _: *const *mut std::ffi::c_void) {}
#[allow(unsafe_code)]
#[no_mangle]
unsafe extern "C" fn __iree_host_thread_simple_mul_inplace(_: *const HostLaunch, _: *const *mut std::ffi::c_void) {}

type Mul = fn(&Stream, &DeviceSlice<f32>, &DeviceSlice<f32>, &mut DeviceSlice<f32>, i32) -> Result<(), Error>;
type MulInplace = fn(&Stream, &DeviceSlice<f32>, &mut DeviceSlice<f32>, i32) -> Result<(), Error>;

fn main() {
    let mul: Mul = simple_mul;
    let inplace: MulInplace = simple_mul_inplace;
    std::hint::black_box((mul, inplace));
}
