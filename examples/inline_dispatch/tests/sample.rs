//! `example_inline.mlir`'s answer through the generated wrappers, on host.

use inline_dispatch::mixed_invocation;
use runtime_hip::{format_tensor, Device, Platform};

#[test]
fn mixed_invocation_prints_what_iree_prints() {
    let device = Device::open(Platform::Host, 0).unwrap();
    let stream = device.stream().unwrap();
    let lhs = device.upload(&[2.0f32; 8]).unwrap();
    let rhs = device.upload(&[4.0f32; 8]).unwrap();
    let out = mixed_invocation(&stream, &lhs, &rhs)
        .unwrap()
        .download()
        .unwrap();
    assert_eq!(format_tensor(&out), "8xf32=12 12 12 12 12 12 12 12");
}
