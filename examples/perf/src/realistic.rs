//! The two realistic kernels of the examples, at sizes that mean something:
//! the tiled shared-memory matmul and the row softmax, through their own
//! crates' wrappers (so their host kernels are linked once), each checked
//! against its plain-Rust reference before its figure is reported.

use runtime_hip::{Device, Error};

use crate::stats::time;
use crate::Report;

/// Runs both figures into `report`; `quick` shrinks the problems.
pub fn run(report: &mut Report, quick: bool, reps: usize) -> Result<(), Error> {
    let device = Device::open(runtime_hip::Platform::Host, 0)?;
    let stream = device.stream()?;

    let s = if quick { 256 } else { 512 };
    let (m, n, k) = (s, s, s);
    let a: Vec<f32> = (0..m * k)
        .map(|i| ((i * 7) % 19) as f32 * 0.1 - 0.9)
        .collect();
    let b: Vec<f32> = (0..k * n)
        .map(|i| ((i * 5) % 23) as f32 * 0.1 - 1.1)
        .collect();
    let (da, db) = (device.upload(&a)?, device.upload(&b)?);
    let mut dc = device.alloc_zeroed::<f32>(m * n)?;
    let mut failure = None;
    let t = time(reps.min(5), || {
        if let Err(e) = matmul::matmul_checked(&stream, &da, &db, &mut dc, (m, n, k))
            .and_then(|_| stream.synchronize())
        {
            failure.get_or_insert(e);
        }
    });
    if let Some(e) = failure.take() {
        return Err(e);
    }
    let want = matmul::matmul_reference(&a, &b, (m, n, k));
    let got = dc.download()?;
    let worst = got
        .iter()
        .zip(&want)
        .map(|(g, w)| (g - w).abs())
        .fold(0.0f32, f32::max);
    assert!(
        worst < 1e-3,
        "matmul disagrees with its reference by {worst}"
    );
    report.figure(
        &format!("host.matmul_{m}x{n}x{k}"),
        2.0 * (m * n * k) as f64 / t.median / 1e9,
        "GFLOP/s (tiled, shared memory, 2 barriers per tile)",
        Some(t),
    );

    let (rows, cols) = if quick { (256, 1000) } else { (1024, 1000) };
    let x: Vec<f32> = (0..rows * cols)
        .map(|i| ((i * 7919) % 1601) as f32 / 100.0 - 8.0)
        .collect();
    let dx = device.upload(&x)?;
    let mut dout = device.alloc_zeroed::<f32>(rows * cols)?;
    let t = time(reps.min(5), || {
        if let Err(e) = softmax::softmax_checked(&stream, &dx, &mut dout, (rows, cols))
            .and_then(|_| stream.synchronize())
        {
            failure.get_or_insert(e);
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    let want = softmax::softmax_reference(&x, (rows, cols));
    let got = dout.download()?;
    let worst = got
        .iter()
        .zip(&want)
        .map(|(g, w)| ((g - w) / w.max(1e-30)).abs())
        .fold(0.0f32, f32::max);
    assert!(
        worst < 1e-4,
        "softmax disagrees with its reference by {worst}"
    );
    report.figure(
        &format!("host.softmax_{rows}x{cols}"),
        8.0 * (rows * cols) as f64 / t.median / 1e9,
        "GB/s (block reductions with barriers, expf)",
        Some(t),
    );
    Ok(())
}
