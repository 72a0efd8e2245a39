//! Runs a row softmax over a random matrix on the best device present,
//! checks it against a plain-Rust reference, and prints the time.
//! `softmax [ROWS COLS]` (default 1024 1000). Exits non-zero on a wrong answer.

use std::process::ExitCode;
use std::time::Instant;

use runtime_hip::Device;
use softmax::{softmax_checked, softmax_reference};

fn main() -> ExitCode {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let shape = match args[..] {
        [rows, cols] => (rows, cols),
        _ => (1024, 1000),
    };
    match run(shape) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run((rows, cols): (usize, usize)) -> Result<bool, runtime_hip::Error> {
    let device = Device::default()?;
    println!("device: {} ({})", device.info().name, device.target());
    let stream = device.stream()?;
    // Deterministic inputs in [-8, 8): large enough that skipping the max
    // subtraction would lose precision.
    let x: Vec<f32> = (0..rows * cols)
        .map(|i| ((i * 7919) % 1601) as f32 / 100.0 - 8.0)
        .collect();
    let dx = device.upload(&x)?;
    let mut dout = device.alloc_zeroed::<f32>(rows * cols)?;

    softmax_checked(&stream, &dx, &mut dout, (rows, cols))?;
    device.synchronize()?;
    let start = Instant::now();
    softmax_checked(&stream, &dx, &mut dout, (rows, cols))?;
    device.synchronize()?;
    let secs = start.elapsed().as_secs_f64();
    let got = dout.download()?;

    let want = softmax_reference(&x, (rows, cols));
    let worst = got
        .iter()
        .zip(&want)
        .map(|(g, w)| ((g - w) / w.max(1e-30)).abs())
        .fold(0.0f32, f32::max);
    println!(
        "softmax {rows}x{cols}: {:.3} ms, {:.2} GB/s, worst relative error {worst:.2e}",
        secs * 1e3,
        8.0 * (rows * cols) as f64 / secs / 1e9
    );
    for v in runtime_hip::dispatch::loaded_variants() {
        println!("ran `{}` as {} on {}", v.export, v.variant, v.device);
    }
    Ok(worst < 1e-4)
}
