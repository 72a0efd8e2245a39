//! A real launch through the wrapper on the host platform: the "kernel" is
//! written in Rust against the host ABI (`runtime_hip::host::abi`) instead of
//! being compiled from HIP, which is the build's job, not the macro's.
//! Checks the packing (binding, then the constant), the workgroup count, and
//! `count` values that do not fit in u32.
#![deny(warnings)]

use std::ffi::c_void;

use runtime_hip::host::HostLaunch;
use runtime_hip::{Device, DeviceSlice, Error, Platform};

/// `x[i] *= 2` for `i < n`.
#[iree_macros::extern_dispatch(
    source = "kernels/scale.cu",
    workgroup_size = [64, 1, 1],
    count = |n| [n.div_ceil(64), 1, 1],
)]
pub fn scale(x: &mut DeviceSlice<f32>, n: u32);

/// Never runs: its count is negative.
#[iree_macros::extern_dispatch(
    source = "kernels/scale.cu",
    workgroup_size = [64, 1, 1],
    count = |n| [n, 1, 1],
)]
pub fn negative(x: &mut DeviceSlice<f32>, n: i32);

/// One thread of `scale`.
///
/// # Safety
/// `args` as the host ABI passes them for `scale`.
unsafe fn scale_thread(launch: &HostLaunch, t: u32, args: *const *mut c_void) {
    let x = *(*args.add(0) as *const *mut f32);
    let n = *(*args.add(1) as *const u32);
    let i = launch.block_idx[0] * launch.block_dim[0] + t;
    if i < n {
        *x.add(i as usize) *= 2.0;
    }
}

#[no_mangle]
unsafe extern "C" fn __iree_host_block_scale(launch: *const HostLaunch, args: *const *mut c_void) {
    let launch = &*launch;
    for t in 0..launch.block_dim[0] {
        scale_thread(launch, t, args);
    }
}

#[no_mangle]
unsafe extern "C" fn __iree_host_thread_scale(launch: *const HostLaunch, args: *const *mut c_void) {
    let launch = &*launch;
    scale_thread(launch, launch.thread_idx[0], args);
}

#[no_mangle]
unsafe extern "C" fn __iree_host_block_negative(_: *const HostLaunch, _: *const *mut c_void) {
    unreachable!()
}

#[no_mangle]
unsafe extern "C" fn __iree_host_thread_negative(_: *const HostLaunch, _: *const *mut c_void) {
    unreachable!()
}

fn main() -> Result<(), Error> {
    let device = Device::open(Platform::Host, 0)?;
    let stream = device.stream()?;
    let input: Vec<f32> = (0..150).map(|i| i as f32).collect();
    let mut x = device.upload(&input)?;
    // 130 of 150: three workgroups of 64, the last one partly idle.
    scale(&stream, &mut x, 130)?;
    stream.synchronize()?;
    let got = x.download()?;
    for (i, (&g, &v)) in got.iter().zip(&input).enumerate() {
        let want = if i < 130 { 2.0 * v } else { v };
        assert_eq!(g, want, "element {i}");
    }

    match negative(&stream, &mut x, -1) {
        Err(Error::Launch { kernel, reason }) => {
            assert_eq!(kernel, "negative");
            assert!(reason.contains("-1 workgroups along x"), "{reason}");
        }
        other => panic!("expected Error::Launch, got {other:?}"),
    }
    Ok(())
}
