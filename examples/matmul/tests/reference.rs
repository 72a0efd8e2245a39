//! The tiled matmul against plain Rust at sizes that are and are not
//! multiples of the tile, on host.

use matmul::{matmul_checked, matmul_reference};
use runtime_hip::{Device, Platform};

#[test]
fn matches_the_reference_at_odd_sizes() {
    let device = Device::open(Platform::Host, 0).unwrap();
    let stream = device.stream().unwrap();
    for (m, n, k) in [(16, 16, 16), (1, 1, 1), (17, 33, 5), (64, 48, 40)] {
        let a: Vec<f32> = (0..m * k).map(|i| ((i * 7) % 11) as f32 - 5.0).collect();
        let b: Vec<f32> = (0..k * n).map(|i| ((i * 3) % 7) as f32 * 0.5).collect();
        let (da, db) = (device.upload(&a).unwrap(), device.upload(&b).unwrap());
        let mut dc = device.alloc_zeroed::<f32>(m * n).unwrap();
        matmul_checked(&stream, &da, &db, &mut dc, (m, n, k)).unwrap();
        assert_eq!(
            dc.download().unwrap(),
            matmul_reference(&a, &b, (m, n, k)),
            "{m}x{n}x{k}"
        );
    }
}

#[test]
fn wrong_shapes_are_errors_not_out_of_bounds_access() {
    let device = Device::open(Platform::Host, 0).unwrap();
    let stream = device.stream().unwrap();
    let a = device.alloc_zeroed::<f32>(4).unwrap();
    let mut c = device.alloc_zeroed::<f32>(4).unwrap();
    assert!(matmul_checked(&stream, &a, &a, &mut c, (3, 3, 3)).is_err());
}
