//! The prebuilt-object route: both exports run (host variant) and the
//! bundle holds the prebuilt GPU objects exactly as inspected.

use custom_dispatch_prebuilt::square_mul;
use runtime_hip::bundle::Bundle;
use runtime_hip::{format_tensor, Device, Format, Platform};

#[test]
fn square_mul_on_host() {
    let device = Device::open(Platform::Host, 0).unwrap();
    let stream = device.stream().unwrap();
    let lhs = device.upload(&[2.0f32; 8]).unwrap();
    let rhs = device.upload(&[4.0f32; 8]).unwrap();
    let out = square_mul(&stream, &lhs, &rhs).unwrap().download().unwrap();
    assert_eq!(format_tensor(&out), "8xf32=32 32 32 32 32 32 32 32");
}

#[test]
fn raw_hsaco_is_embedded_byte_for_byte_and_the_bundle_is_unbundled() {
    let bytes = std::fs::read(concat!(
        env!("OUT_DIR"),
        "/iree/custom_dispatch_prebuilt.bundle"
    ))
    .unwrap();
    let bundle = Bundle::parse(&bytes).unwrap();
    let exe = bundle.executable(0).unwrap();
    let raw = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/prebuilt/kernels_gfx1100.co"
    ))
    .unwrap();
    let v = exe
        .variants()
        .find(|v| v.target_str() == "gfx1100")
        .unwrap();
    assert_eq!((v.format(), v.data()), (Format::Hsaco, &raw[..]));
    let v = exe.variants().find(|v| v.target_str() == "gfx942").unwrap();
    assert_eq!(v.format(), Format::Hsaco);
    assert_eq!(
        &v.data()[..4],
        b"\x7fELF",
        "the offload bundle was unpacked"
    );
    let v = exe.variants().find(|v| v.target_str() == "sm_80").unwrap();
    assert_eq!(v.format(), Format::Ptx);
}
