//! The best plain Rust a user would write (or pick from crates.io) for each
//! kernel of the comparison, on the same number of threads as the host
//! platform has workers: what "close to hand-written Rust" is measured
//! against. Each splits its work into one contiguous band per thread on a
//! rayon pool of that many threads (already running, as the host
//! platform's workers are: no thread spawn is timed).

use std::sync::OnceLock;

use rayon::prelude::*;

/// The pool the references run on, `threads` wide (the first call's count).
fn pool(threads: usize) -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build()
            .expect("a rayon pool for the Rust references")
    })
}

/// Runs `f(i, band)` on the pool for each `band`-long band `i` of `out`.
fn bands<T: Send>(threads: usize, out: &mut [T], band: usize, f: impl Fn(usize, &mut [T]) + Sync) {
    pool(threads).install(|| {
        out.par_chunks_mut(band.max(1))
            .enumerate()
            .for_each(|(i, o)| f(i, o))
    });
}

/// `ret[i] = lhs[i] * rhs[i]`: the idiomatic zipped-slices loop (no index
/// checks, so LLVM vectorises it), one band per thread.
pub fn mul(threads: usize, lhs: &[f32], rhs: &[f32], ret: &mut [f32]) {
    let chunk = ret.len().div_ceil(threads.max(1)).max(1);
    bands(threads, ret, chunk, |i, o| {
        let (a, b) = (&lhs[i * chunk..], &rhs[i * chunk..]);
        for ((o, a), b) in o.iter_mut().zip(a).zip(b) {
            *o = a * b;
        }
    });
}

/// Independent accumulators per chunk: enough that LLVM keeps two AVX
/// registers of partial sums and the adds do not wait on each other (a
/// plain `iter().sum()` is one dependent scalar chain, about 4× slower).
const LANES: usize = 16;

/// The sum of `x` with `LANES` independent accumulators (vectorised adds).
pub fn sum_vectorised(x: &[f32]) -> f32 {
    let mut acc = [0f32; LANES];
    let chunks = x.chunks_exact(LANES);
    let tail: f32 = chunks.remainder().iter().sum();
    for c in chunks {
        let c: &[f32; LANES] = c.try_into().expect("chunks_exact gives LANES floats");
        for (a, v) in acc.iter_mut().zip(c) {
            *a += v;
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// The sum of `x`: one chunk per thread, each summed by [`sum_vectorised`].
pub fn sum(threads: usize, x: &[f32]) -> f32 {
    let chunk = x.len().div_ceil(threads.max(1)).max(1);
    pool(threads).install(|| x.par_chunks(chunk).map(sum_vectorised).sum())
}

/// `c[m x n] = a[m x k] * b[k x n]` (row-major) by `matrixmultiply::sgemm`
/// (the crate users pick for a pure-Rust GEMM: packing, cache blocking,
/// AVX/FMA kernels), the rows of `c` split into one band per thread.
pub fn matmul(
    threads: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    (m, n, k): (usize, usize, usize),
) {
    assert!(
        a.len() == m * k && b.len() == k * n && c.len() == m * n,
        "matmul reference: shapes m={m} n={n} k={k} do not match a ({}), b ({}), c ({})",
        a.len(),
        b.len(),
        c.len()
    );
    if m == 0 || n == 0 {
        return;
    }
    let rows = m.div_ceil(threads.max(1));
    bands(threads, c, rows * n, |band, c_band| {
        let m_band = c_band.len() / n;
        let a_band = &a[band * rows * k..][..m_band * k];
        // SAFETY: `a_band` is m_band x k, `b` k x n and `c_band` m_band x n,
        // all row-major with the strides given (shapes checked above);
        // `c_band` is borrowed mutably, alone.
        unsafe {
            matrixmultiply::sgemm(
                m_band,
                k,
                n,
                1.0,
                a_band.as_ptr(),
                k as isize,
                1,
                b.as_ptr(),
                n as isize,
                1,
                0.0,
                c_band.as_mut_ptr(),
                n as isize,
                1,
            )
        }
    });
}

/// The softmax of one row, in f32: max, sum of exponentials, scale.
pub fn softmax_row(row: &[f32], out: &mut [f32]) {
    let m = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let s: f32 = row.iter().map(|v| (v - m).exp()).sum();
    let inv = 1.0 / s;
    for (o, v) in out.iter_mut().zip(row) {
        *o = (v - m).exp() * inv;
    }
}

/// `f` on every `cols`-wide row of `x` into `out`, one contiguous band of
/// rows per thread.
pub fn by_rows(threads: usize, cols: usize, x: &[f32], out: &mut [f32], f: fn(&[f32], &mut [f32])) {
    let rows = x.len() / cols.max(1);
    let chunk = (rows.div_ceil(threads.max(1)) * cols).max(1);
    bands(threads, out, chunk, |i, os| {
        let xs = &x[i * chunk..];
        for (r, o) in xs.chunks(cols).zip(os.chunks_mut(cols)) {
            f(r, o);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_agree_with_a_plain_sum() {
        for n in [0, 1, 15, 16, 17, 1000, 4099] {
            let x: Vec<f32> = (0..n).map(|i| (i % 7) as f32).collect();
            let want: f32 = x.iter().sum();
            assert_eq!(sum(2, &x), want, "n = {n}");
            assert_eq!(sum_vectorised(&x), want, "n = {n}");
        }
    }

    #[test]
    fn matmul_bands_cover_every_row() {
        let (m, n, k) = (7, 5, 3);
        let a: Vec<f32> = (0..m * k).map(|i| i as f32).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i % 4) as f32).collect();
        let mut c = vec![f32::NAN; m * n];
        matmul(2, &a, &b, &mut c, (m, n, k));
        for i in 0..m {
            for j in 0..n {
                let want: f32 = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
                assert_eq!(c[i * n + j], want, "c[{i}][{j}]");
            }
        }
    }

    #[test]
    fn rows_are_softmaxed() {
        let x: Vec<f32> = (0..30).map(|i| i as f32 * 0.1).collect();
        let mut out = vec![0f32; 30];
        by_rows(2, 10, &x, &mut out, softmax_row);
        for r in out.chunks(10) {
            assert!((r.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        }
    }
}
