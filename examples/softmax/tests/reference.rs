//! Row softmax (block reductions with barriers, expf) against plain Rust.

use runtime_hip::{Device, Platform};
use softmax::{softmax_checked, softmax_reference};

#[test]
fn matches_the_reference_at_odd_sizes() {
    let device = Device::open(Platform::Host, 0).unwrap();
    let stream = device.stream().unwrap();
    for (rows, cols) in [(1, 1), (3, 255), (4, 257), (7, 1000)] {
        let x: Vec<f32> = (0..rows * cols)
            .map(|i| ((i * 37) % 101) as f32 / 10.0 - 5.0)
            .collect();
        let dx = device.upload(&x).unwrap();
        let mut out = device.alloc_zeroed::<f32>(rows * cols).unwrap();
        softmax_checked(&stream, &dx, &mut out, (rows, cols)).unwrap();
        let got = out.download().unwrap();
        for (g, w) in got.iter().zip(softmax_reference(&x, (rows, cols))) {
            assert!(
                (g - w).abs() <= 1e-6 + 1e-5 * w.abs(),
                "{rows}x{cols}: {g} vs {w}"
            );
        }
        for r in 0..rows {
            let sum: f32 = got[r * cols..(r + 1) * cols].iter().sum();
            assert!((sum - 1.0).abs() < 1e-4, "row {r} sums to {sum}");
        }
    }
}
