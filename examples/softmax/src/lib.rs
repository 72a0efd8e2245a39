//! Row softmax with block reductions (shared memory and barriers) and `expf`:
//! one 256-thread block per row.

use runtime_hip::{DeviceSlice, Error, Stream};

/// `out[r, :] = softmax(x[r, :])` for a row-major `rows x cols` matrix.
#[runtime_hip::extern_dispatch(
    source = "kernels/softmax.cu",
    export = "softmax_rows",
    workgroup_size = [256, 1, 1],
    count = |rows| [rows as u32, 1, 1],
)]
pub fn softmax(x: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, rows: i32, cols: i32);

/// Checks the shape on the host before launching.
pub fn softmax_checked(
    stream: &Stream,
    x: &DeviceSlice<f32>,
    out: &mut DeviceSlice<f32>,
    (rows, cols): (usize, usize),
) -> Result<(), Error> {
    let bad = |what: String| Error::Launch {
        kernel: "softmax_rows".into(),
        reason: what,
    };
    if x.len() != rows * cols || out.len() != rows * cols {
        return Err(bad(format!(
            "shape {rows}x{cols} does not match x ({}) and out ({})",
            x.len(),
            out.len()
        )));
    }
    let dim = |v: usize| i32::try_from(v).map_err(|_| bad(format!("{v} does not fit i32")));
    softmax(stream, x, out, dim(rows)?, dim(cols)?)
}

/// The plain-Rust reference (f64).
pub fn softmax_reference(x: &[f32], (rows, cols): (usize, usize)) -> Vec<f32> {
    let mut out = vec![0.0f32; rows * cols];
    for r in 0..rows {
        let row = &x[r * cols..(r + 1) * cols];
        let max = row
            .iter()
            .fold(f64::NEG_INFINITY, |m, &v| m.max(f64::from(v)));
        let sum: f64 = row.iter().map(|&v| (f64::from(v) - max).exp()).sum();
        for (o, &v) in out[r * cols..(r + 1) * cols].iter_mut().zip(row) {
            *o = ((f64::from(v) - max).exp() / sum) as f32;
        }
    }
    out
}
