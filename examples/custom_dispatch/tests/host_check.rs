//! `IREE_HOST_CHECK=1` through the generated wrappers, as a user runs it:
//! in-bounds launches give the sample's answer, and a launch whose `dim`
//! exceeds its buffers (a classic caller bug the kernel's `tid < dim` guard
//! cannot catch) is an `Error::KernelOutOfBounds` naming the kernel, the
//! binding, the offset and the length, instead of reading past the buffers.
//! Its own test binary: the variable is read once per process, when the
//! host device first opens.

use custom_dispatch::{mixed_invocation, simple_mul};
use runtime_hip::{format_tensor, Device, Error, Platform};

fn checked_host() -> Device {
    static SET: std::sync::Once = std::sync::Once::new();
    // Before any device opens in this process (every test calls this).
    SET.call_once(|| std::env::set_var("IREE_HOST_CHECK", "1"));
    Device::open(Platform::Host, 0).expect("the host platform is always there")
}

#[test]
fn in_bounds_launches_give_the_sample_answer() {
    let device = checked_host();
    let stream = device.stream().unwrap();
    let lhs = device.upload(&[2.0f32; 8]).unwrap();
    let rhs = device.upload(&[4.0f32; 8]).unwrap();
    let out = mixed_invocation(&stream, &lhs, &rhs).unwrap();
    assert_eq!(
        format_tensor(&out.download().unwrap()),
        "8xf32=96 96 96 96 96 96 96 96"
    );
}

#[test]
fn a_dim_past_the_buffers_is_an_error_not_a_read_past_them() {
    let device = checked_host();
    let stream = device.stream().unwrap();
    let lhs = device.upload(&[2.0f32; 8]).unwrap();
    let rhs = device.upload(&[4.0f32; 8]).unwrap();
    let mut out = device.alloc_zeroed::<f32>(8).unwrap();
    simple_mul(&stream, &lhs, &rhs, &mut out, 16).unwrap();
    match stream.synchronize() {
        Err(Error::KernelOutOfBounds {
            kernel,
            grid,
            stream: id,
            binding,
            write,
            offset,
            len,
        }) => {
            assert_eq!(kernel, "simple_mul");
            assert_eq!((grid, id), ([1, 1, 1], stream.id()));
            // The first access past the end is a load of `lhs[8]` or
            // `rhs[8]` (the compiler may order or vectorise the two).
            assert!(binding < 2, "binding {binding}");
            assert!(!write);
            assert_eq!((offset, len), (32, 32));
        }
        other => panic!("expected KernelOutOfBounds, got {other:?}"),
    }
    // Reported once; the stream and the buffers stay usable.
    stream.synchronize().unwrap();
    simple_mul(&stream, &lhs, &rhs, &mut out, 8).unwrap();
    assert_eq!(out.download().unwrap(), vec![8.0; 8]);
}
