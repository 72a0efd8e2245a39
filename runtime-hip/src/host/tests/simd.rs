//! Every plain host kernel both ways: the SIMD block entry the CPU runs and
//! the scalar one ([`crate::host::simd::capped`]), bit-identical for integer
//! kernels, within a tolerance for float ones (the AVX2 entry may fuse a
//! multiply and an add). The SIMD entries exist when the kernels are
//! compiled with iree-build's pass plugin (`IREE_HOST_TEST_CFLAGS`, as the
//! CI does); without it both runs take the scalar entry and still must agree.

use super::{entry, Dev};
use crate::host::simd::{capped, Level};

/// `run` on a fresh device with the CPU's SIMD entries, then with the
/// scalar ones.
fn both<T>(run: impl Fn(&Dev) -> Vec<T>) -> (Vec<T>, Vec<T>) {
    println!("SIMD level of this CPU: {:?}", Level::detected());
    let vector = run(&Dev::new());
    let scalar = capped(Level::Scalar, || run(&Dev::new()));
    (vector, scalar)
}

fn assert_close(vector: &[f32], scalar: &[f32], what: &str) {
    assert_eq!(vector.len(), scalar.len());
    for (i, (v, s)) in vector.iter().zip(scalar).enumerate() {
        assert!(
            (v - s).abs() <= 1e-5 * s.abs().max(1.0),
            "{what}[{i}]: vector {v}, scalar {s}"
        );
    }
}

#[test]
fn integer_kernels_agree_bit_for_bit() {
    // Odd sizes: partial vectors at the end of the last block.
    for n in [1usize, 7, 64, 1000, 4099] {
        let input: Vec<i32> = (0..n as i32)
            .map(|i| i.wrapping_mul(2654435761u32 as i32))
            .collect();
        let (vector, scalar) = both(|d| {
            let (pin, pout, pscat) = (d.upload(&input), d.zeros::<i32>(n), d.zeros::<i32>(n));
            d.launch(
                entry("int_mix", false),
                [(n as u32).div_ceil(96), 1, 1],
                [96, 1, 1],
                &[pin, pout, pscat],
                &[n as u32],
            );
            let mut out = d.download::<i32>(pout, n);
            out.extend(d.download::<i32>(pscat, n));
            out
        });
        assert_eq!(vector, scalar, "int_mix, n = {n}");
        // And both are right, not the same mistake twice.
        for i in 0..n {
            let v = input[i];
            let want = if v & 1 != 0 {
                v.wrapping_mul(7).wrapping_add(input[(i * 3) % n])
            } else {
                v ^ i as i32
            };
            assert_eq!(vector[i], want, "int_mix[{i}], n = {n}");
        }
    }
}

#[test]
fn private_arrays_stay_private_to_each_thread() {
    let n = 1000usize;
    let input: Vec<i32> = (0..n as i32)
        .map(|i| i.wrapping_mul(40503) ^ 0x55)
        .collect();
    let (vector, scalar) = both(|d| {
        let (pin, pout) = (d.upload(&input), d.zeros::<i32>(n));
        d.launch(
            entry("private_pick", false),
            [(n as u32).div_ceil(128), 1, 1],
            [128, 1, 1],
            &[pin, pout],
            &[n as u32],
        );
        d.download::<i32>(pout, n)
    });
    assert_eq!(vector, scalar);
    for (i, &v) in input.iter().enumerate() {
        let m = [v, i as i32, v.wrapping_neg(), i as i32 * 3];
        assert_eq!(vector[i], m[(v & 3) as usize], "private_pick[{i}]");
    }
}

#[test]
fn three_dimensional_built_ins_agree() {
    let (grid, block) = ([3u32, 2, 2], [5u32, 3, 4]);
    let total = (grid.iter().product::<u32>() * block.iter().product::<u32>()) as usize;
    let (vector, scalar) = both(|d| {
        let out = d.zeros::<u32>(total);
        d.launch(entry("ids3d", false), grid, block, &[out], &[]);
        d.download::<u32>(out, total)
    });
    assert_eq!(vector, scalar);
    let mut want = Vec::new();
    for (bz, by, bx) in
        (0..2).flat_map(|z| (0..2).flat_map(move |y| (0..3).map(move |x| (z, y, x))))
    {
        for (tz, ty, tx) in
            (0..4).flat_map(|z| (0..3).flat_map(move |y| (0..5).map(move |x| (z, y, x))))
        {
            want.push(((bz * 7 + by) * 5 + bx) * 1_000_000 + tz * 10_000 + ty * 100 + tx);
        }
    }
    assert_eq!(vector, want);
}

#[test]
fn atomic_histogram_agrees() {
    let n = 10_007usize;
    let input: Vec<u32> = (0..n as u32).map(|i| i.wrapping_mul(2654435761)).collect();
    let (vector, scalar) = both(|d| {
        let (pin, bins) = (d.upload(&input), d.zeros::<u32>(17));
        d.launch(
            entry("histogram", false),
            [(n as u32).div_ceil(128), 1, 1],
            [128, 1, 1],
            &[pin, bins],
            &[n as u32, 17],
        );
        d.download::<u32>(bins, 17)
    });
    assert_eq!(vector, scalar);
    assert_eq!(vector.iter().sum::<u32>(), n as u32);
}

#[test]
fn float_kernels_agree_within_tolerance() {
    for n in [1usize, 15, 256, 1000, 4099] {
        let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos() - 0.5).collect();
        let (vector, scalar) = both(|d| {
            let (pa, pb) = (d.upload(&a), d.upload(&b));
            let (mul, add, soft) = (d.zeros::<f32>(n), d.zeros::<f32>(n), d.zeros::<f32>(n));
            let blocks = [(n as u32).div_ceil(64), 1, 1];
            let c = [n as u32];
            d.launch(
                entry("simple_mul", false),
                blocks,
                [64, 1, 1],
                &[pa, pb, mul],
                &c,
            );
            d.launch(entry("add", false), blocks, [64, 1, 1], &[pa, pb, add], &c);
            d.launch(
                entry("simple_mul_inplace", false),
                blocks,
                [64, 1, 1],
                &[pa, add],
                &c,
            );
            d.launch(
                entry("softplus", false),
                blocks,
                [64, 1, 1],
                &[pb, soft],
                &c,
            );
            [mul, add, soft]
                .into_iter()
                .flat_map(|p| d.download::<f32>(p, n))
                .collect()
        });
        assert_close(
            &vector,
            &scalar,
            &format!("simple_mul, add*a, softplus at n = {n}"),
        );
        let want: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x * y).collect();
        assert_eq!(&scalar[..n], &want[..], "simple_mul, n = {n}");
    }
}

#[test]
fn two_dimensional_transpose_agrees() {
    let (rows, cols) = (37usize, 53usize);
    let m: Vec<f32> = (0..rows * cols).map(|i| i as f32).collect();
    let (vector, scalar) = both(|d| {
        let (pin, pout) = (d.upload(&m), d.zeros::<f32>(rows * cols));
        d.launch(
            entry("transpose", false),
            [(cols as u32).div_ceil(16), (rows as u32).div_ceil(8), 1],
            [16, 8, 1],
            &[pin, pout],
            &[rows as u32, cols as u32],
        );
        d.download::<f32>(pout, rows * cols)
    });
    // A copy: exact either way.
    assert_eq!(vector, scalar);
}
