//! Plain kernels: one call per row of blocks, built-ins, math, atomics.

use super::{entry, sig, Dev};

#[test]
fn iree_sample_mixed_invocation_gives_96() {
    let d = Dev::new();
    let n = 8usize;
    let a = d.upload(&[2.0f32; 8]);
    let b = d.upload(&[4.0f32; 8]);
    let t0 = d.zeros::<f32>(n);
    let t1 = d.zeros::<f32>(n);
    let count = [(n as u32).div_ceil(64), 1, 1];
    // %0 = simple_mul(a, b); %1 = %0 + b; simple_mul_inplace(%0, %1)
    d.launch(
        entry("simple_mul", false),
        count,
        [64, 1, 1],
        &[a, b, t0],
        &[n as u32],
    );
    d.launch(
        entry("add", false),
        count,
        [64, 1, 1],
        &[t0, b, t1],
        &[n as u32],
    );
    d.launch(
        entry("simple_mul_inplace", false),
        count,
        [64, 1, 1],
        &[t0, t1],
        &[n as u32],
    );
    d.stream.synchronize().unwrap();
    assert_eq!(d.download::<f32>(t1, n), vec![96.0; 8]);
}

#[test]
fn signature_tables_give_argument_sizes() {
    assert_eq!(sig("simple_mul"), vec![4, 8, 8, 8, 4]);
    assert_eq!(sig("simple_mul_inplace"), vec![3, 8, 8, 4]);
    assert_eq!(sig("histogram"), vec![4, 8, 8, 4, 4]);
}

#[test]
fn odd_sizes_and_many_blocks() {
    let d = Dev::new();
    for n in [1usize, 63, 65, 1000, 100_003] {
        let a: Vec<f32> = (0..n).map(|i| i as f32).collect();
        let b: Vec<f32> = (0..n).map(|i| 0.5 - i as f32 * 0.25).collect();
        let (pa, pb, pc) = (d.upload(&a), d.upload(&b), d.zeros::<f32>(n));
        d.launch(
            entry("simple_mul", false),
            [(n as u32).div_ceil(64), 1, 1],
            [64, 1, 1],
            &[pa, pb, pc],
            &[n as u32],
        );
        let want: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x * y).collect();
        assert_eq!(d.download::<f32>(pc, n), want, "n = {n}");
    }
}

#[test]
fn two_dimensional_grid() {
    let d = Dev::new();
    let (rows, cols) = (37usize, 53usize);
    let m: Vec<f32> = (0..rows * cols).map(|i| i as f32).collect();
    let (pin, pout) = (d.upload(&m), d.zeros::<f32>(rows * cols));
    d.launch(
        entry("transpose", false),
        [(cols as u32).div_ceil(16), (rows as u32).div_ceil(8), 1],
        [16, 8, 1],
        &[pin, pout],
        &[rows as u32, cols as u32],
    );
    let got = d.download::<f32>(pout, rows * cols);
    for r in 0..rows {
        for c in 0..cols {
            assert_eq!(got[c * rows + r], m[r * cols + c]);
        }
    }
}

#[test]
fn math_functions() {
    let d = Dev::new();
    let n = 1001usize;
    let x: Vec<f32> = (0..n).map(|i| (i as f32 - 500.0) / 50.0).collect();
    let (px, py) = (d.upload(&x), d.zeros::<f32>(n));
    d.launch(
        entry("softplus", false),
        [(n as u32).div_ceil(128), 1, 1],
        [128, 1, 1],
        &[px, py],
        &[n as u32],
    );
    let got = d.download::<f32>(py, n);
    for (v, g) in x.iter().zip(got) {
        let want = (1.0 + v.exp()).ln() + v.max(0.0).sqrt() * 0.5;
        assert!(
            (g - want).abs() <= 1e-5 * want.abs().max(1.0),
            "{v}: {g} vs {want}"
        );
    }
}

#[test]
fn atomics_histogram_and_float_add() {
    let d = Dev::new();
    let n = 50_000usize;
    let nbins = 17usize;
    let data: Vec<u32> = (0..n as u32)
        .map(|i| i.wrapping_mul(2_654_435_761) >> 7)
        .collect();
    let (pd, pb) = (d.upload(&data), d.zeros::<u32>(nbins));
    d.launch(
        entry("histogram", false),
        [(n as u32).div_ceil(64), 1, 1],
        [64, 1, 1],
        &[pd, pb],
        &[n as u32, nbins as u32],
    );
    let mut want = vec![0u32; nbins];
    for v in &data {
        want[(*v % nbins as u32) as usize] += 1;
    }
    assert_eq!(d.download::<u32>(pb, nbins), want);

    let vals: Vec<f32> = (0..n).map(|i| (i % 100) as f32).collect();
    let (pv, ps, pm) = (d.upload(&vals), d.zeros::<f32>(1), d.zeros::<i32>(1));
    d.launch(
        entry("atomics_misc", false),
        [(n as u32).div_ceil(64), 1, 1],
        [64, 1, 1],
        &[pv, ps, pm],
        &[n as u32],
    );
    // Integers below 2^24 sum exactly in f32 in any order.
    assert_eq!(d.download::<f32>(ps, 1)[0], vals.iter().sum::<f32>());
    assert_eq!(d.download::<i32>(pm, 1)[0], 99);
}
