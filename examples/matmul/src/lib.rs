//! A tiled single-precision matrix multiply with shared memory: the kind of
//! kernel people hand-write first. `c = a * b` for row-major `m x k` and
//! `k x n` matrices, one 16x16 tile of `c` per block.

use runtime_hip::{DeviceSlice, Error, Stream};

/// Tile edge of `kernels/matmul.cu` (its `TILE`): the block is `TILE x TILE`.
pub const TILE: u32 = 16;

/// `c[m x n] = a[m x k] * b[k x n]`, row-major.
#[runtime_hip::extern_dispatch(
    source = "kernels/matmul.cu",
    export = "matmul_tiled",
    workgroup_size = [16, 16, 1],
    count = |m, n| [(n as u32).div_ceil(16), (m as u32).div_ceil(16), 1],
)]
pub fn matmul(
    a: &DeviceSlice<f32>,
    b: &DeviceSlice<f32>,
    c: &mut DeviceSlice<f32>,
    m: i32,
    n: i32,
    k: i32,
);

/// Checks shapes on the host before launching, so a wrong size is an error
/// rather than an out-of-bounds access by the kernel.
pub fn matmul_checked(
    stream: &Stream,
    a: &DeviceSlice<f32>,
    b: &DeviceSlice<f32>,
    c: &mut DeviceSlice<f32>,
    (m, n, k): (usize, usize, usize),
) -> Result<(), Error> {
    let bad = |what: String| Error::Launch {
        kernel: "matmul_tiled".into(),
        reason: what,
    };
    if a.len() != m * k || b.len() != k * n || c.len() != m * n {
        return Err(bad(format!(
            "shapes do not match m={m} n={n} k={k}: a has {}, b {}, c {} elements",
            a.len(),
            b.len(),
            c.len()
        )));
    }
    let dim = |v: usize| i32::try_from(v).map_err(|_| bad(format!("{v} does not fit i32")));
    matmul(stream, a, b, c, dim(m)?, dim(n)?, dim(k)?)
}

/// The plain-Rust reference the example and tests compare against (f64 accumulation).
pub fn matmul_reference(a: &[f32], b: &[f32], (m, n, k): (usize, usize, usize)) -> Vec<f32> {
    let mut c = vec![0.0f32; m * n];
    for i in 0..m {
        for j in 0..n {
            let acc: f64 = (0..k)
                .map(|p| f64::from(a[i * k + p]) * f64::from(b[p * n + j]))
                .sum();
            c[i * n + j] = acc as f32;
        }
    }
    c
}
