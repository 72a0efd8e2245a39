//! The IREE sample through the generated wrappers, on the host platform:
//! the answer IREE's FileCheck line expects, other sizes against plain Rust,
//! and the bundle the build wrote.

use custom_dispatch::{mixed_invocation, simple_mul, simple_mul_inplace};
use runtime_hip::bundle::Bundle;
use runtime_hip::{format_tensor, Device, Platform};

fn host() -> Device {
    Device::open(Platform::Host, 0).expect("the host platform is always there")
}

#[test]
fn mixed_invocation_prints_what_iree_prints() {
    let device = host();
    let stream = device.stream().unwrap();
    let lhs = device.upload(&[2.0f32; 8]).unwrap();
    let rhs = device.upload(&[4.0f32; 8]).unwrap();
    let out = mixed_invocation(&stream, &lhs, &rhs)
        .unwrap()
        .download()
        .unwrap();
    assert_eq!(format_tensor(&out), "8xf32=96 96 96 96 96 96 96 96");
}

#[test]
fn odd_sizes_match_plain_rust() {
    let device = host();
    let stream = device.stream().unwrap();
    for n in [1usize, 63, 64, 65, 1000, 4097] {
        let a: Vec<f32> = (0..n).map(|i| i as f32 * 0.5 - 7.0).collect();
        let b: Vec<f32> = (0..n).map(|i| (i % 13) as f32 + 0.25).collect();
        let (da, db) = (device.upload(&a).unwrap(), device.upload(&b).unwrap());
        let mut prod = device.alloc_zeroed::<f32>(n).unwrap();
        simple_mul(&stream, &da, &db, &mut prod, n as i32).unwrap();
        let mut acc = device.upload(&b).unwrap();
        simple_mul_inplace(&stream, &prod, &mut acc, n as i32).unwrap();
        let want: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x * y * y).collect();
        assert_eq!(acc.download().unwrap(), want, "n = {n}");
        // Elements past `dim` stay untouched, as the kernel's guard says.
        let mut partial = device.alloc_zeroed::<f32>(n).unwrap();
        simple_mul(&stream, &da, &db, &mut partial, (n / 2) as i32).unwrap();
        let got = partial.download().unwrap();
        assert!(got[n / 2..].iter().all(|&v| v == 0.0), "n = {n}");
    }
}

#[test]
fn sub_slices_are_bindings_too() {
    let device = host();
    let stream = device.stream().unwrap();
    let a = device.upload(&[1.0f32, 2.0, 3.0, 4.0]).unwrap();
    let b = device.upload(&[10.0f32; 4]).unwrap();
    let mut out = device.alloc_zeroed::<f32>(4).unwrap();
    let (_, tail) = out.split_at_mut(2);
    simple_mul(&stream, a.slice(2..4), b.slice(0..2), tail, 2).unwrap();
    assert_eq!(out.download().unwrap(), [0.0, 0.0, 30.0, 40.0]);
}

#[test]
fn the_bundle_holds_the_sample_as_one_executable_for_every_target() {
    let bytes = std::fs::read(concat!(env!("OUT_DIR"), "/iree/custom_dispatch.bundle")).unwrap();
    let bundle = Bundle::parse(&bytes).unwrap();
    let exe = bundle
        .executables()
        .find(|e| e.exports().any(|x| x.name() == "simple_mul"))
        .unwrap();
    let exports: Vec<_> = exe.exports().map(|x| (x.name(), x.ordinal())).collect();
    assert_eq!(exports, [("simple_mul", 0), ("simple_mul_inplace", 1)]);
    let mut targets: Vec<&str> = exe.variants().map(|v| v.target_str()).collect();
    targets.dedup();
    for t in ["gfx1100", "gfx90a", "gfx942", "sm_80", "sm_90", "host"] {
        assert!(targets.contains(&t), "{t} missing from {targets:?}");
    }
}

#[test]
fn gpu_platforms_fail_cleanly_without_a_gpu() {
    for platform in [Platform::Amd, Platform::Nvidia] {
        match Device::open(platform, 0) {
            // A machine with a GPU: nothing to check here.
            Ok(_) => {}
            Err(e) => assert!(e.is_unavailable(), "{platform}: {e}"),
        }
    }
}
