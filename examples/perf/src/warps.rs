//! Warp-level kernels on the host platform (real 32-lane warps, every warp
//! operation a rendezvous of the warp's lanes) against straightforward Rust
//! on the same number of threads: a block sum through `__shfl_down_sync`
//! (launched like `block_sum`, grid-stride), a row softmax and a layer norm
//! with one warp per row. Each kernel is checked against its reference
//! before its figure is reported; the references are `references.rs`'s (the
//! block sum's is the vectorised chunked sum); the target is within 3× of
//! Rust.

use std::cell::RefCell;

use runtime_hip::{Device, Error};

use crate::host::BLOCKS_PER_MP;
use crate::kernels::{layernorm_warp, shfl_block_sum, softmax_warp};
use crate::references::{self, by_rows, softmax_row};
use crate::stats::time_pair;
use crate::Report;

/// Rows of the softmax and layer-norm problems (1024 columns each).
fn rows(quick: bool) -> usize {
    if quick {
        1024
    } else {
        4096
    }
}
const COLS: usize = 1024;

/// The Rust layer norm of one row.
fn layernorm_row(row: &[f32], out: &mut [f32]) {
    let n = row.len() as f32;
    let mean = row.iter().sum::<f32>() / n;
    let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
    let rstd = 1.0 / (var + 1e-5).sqrt();
    for (o, v) in out.iter_mut().zip(row) {
        *o = (v - mean) * rstd;
    }
}

/// Records kernel, Rust and their ratio as `host.<name>.*`.
fn report_pair(
    report: &mut Report,
    name: &str,
    kernel: crate::stats::Sample,
    rust: crate::stats::Sample,
) {
    report.figure(
        &format!("host.{name}.kernel"),
        kernel.median * 1e3,
        "ms",
        Some(kernel),
    );
    report.figure(
        &format!("host.{name}.rust"),
        rust.median * 1e3,
        "ms",
        Some(rust),
    );
    report.figure(
        &format!("host.{name}.ratio"),
        kernel.median / rust.median,
        "x (kernel/rust time, target <= 3)",
        None,
    );
}

/// Runs the three figures into `report`.
pub fn run(report: &mut Report, log2_n: u32, quick: bool, reps: usize) -> Result<(), Error> {
    let device = Device::open(runtime_hip::Platform::Host, 0)?;
    let stream = device.stream()?;
    let threads = device.limits().multiprocessor_count as usize;
    let failure = RefCell::new(None);

    // Block sum, grid-stride, as `block_sum` is launched.
    let n = 1usize << log2_n;
    let blocks = BLOCKS_PER_MP * threads;
    let x_h: Vec<f32> = (0..n).map(|i| (i % 7) as f32).collect();
    let x = device.upload(&x_h)?;
    let mut partial = device.alloc_zeroed::<f32>(blocks)?;
    let mut rust_sum = 0.0f32;
    let (kernel, rust) = time_pair(
        reps,
        || {
            if let Err(e) = shfl_block_sum(&stream, &x, &mut partial, n as i32)
                .and_then(|_| stream.synchronize())
            {
                failure.borrow_mut().get_or_insert(e);
            }
        },
        || rust_sum = references::sum(threads, &x_h),
    );
    if let Some(e) = failure.borrow_mut().take() {
        return Err(e);
    }
    let total: f64 = partial.download()?.iter().map(|&v| f64::from(v)).sum();
    let want: f64 = x_h.iter().map(|&v| f64::from(v)).sum();
    assert!(
        (total - want).abs() / want < 1e-6,
        "shfl_block_sum {total} vs {want}"
    );
    assert!(
        (f64::from(rust_sum) - want).abs() / want < 1e-6,
        "Rust sum {rust_sum} vs {want}"
    );
    report_pair(report, &format!("shfl_block_sum_2^{log2_n}"), kernel, rust);

    // Softmax and layer norm, one warp per row.
    let rows = rows(quick);
    let x_h: Vec<f32> = (0..rows * COLS)
        .map(|i| ((i * 7919) % 1601) as f32 / 100.0 - 8.0)
        .collect();
    let x = device.upload(&x_h)?;
    let mut out = device.alloc_zeroed::<f32>(rows * COLS)?;
    let mut want = vec![0f32; rows * COLS];
    type Launch = fn(
        &runtime_hip::Stream,
        &runtime_hip::DeviceSlice<f32>,
        &mut runtime_hip::DeviceSlice<f32>,
        i32,
        i32,
    ) -> Result<(), Error>;
    type Reference = fn(&[f32], &mut [f32]);
    let cases: [(&str, Launch, Reference, f32); 2] = [
        ("softmax_warp", softmax_warp, softmax_row, 1e-6),
        ("layernorm_warp", layernorm_warp, layernorm_row, 1e-4),
    ];
    for (name, launch, reference, tolerance) in cases {
        let want_cell = RefCell::new(&mut want);
        let (kernel, rust) = time_pair(
            reps,
            || {
                if let Err(e) = launch(&stream, &x, &mut out, rows as i32, COLS as i32)
                    .and_then(|_| stream.synchronize())
                {
                    failure.borrow_mut().get_or_insert(e);
                }
            },
            || {
                by_rows(
                    threads,
                    COLS,
                    &x_h,
                    want_cell.borrow_mut().as_mut_slice(),
                    reference,
                )
            },
        );
        if let Some(e) = failure.borrow_mut().take() {
            return Err(e);
        }
        let got = out.download()?;
        let worst = got
            .iter()
            .zip(want.iter())
            .map(|(g, w)| (g - w).abs())
            .fold(0.0f32, f32::max);
        assert!(
            worst <= tolerance,
            "{name} disagrees with its reference by {worst}"
        );
        report_pair(report, &format!("{name}_{rows}x{COLS}"), kernel, rust);
    }
    Ok(())
}
