//! Multiplies two random matrices on the best device present, checks the
//! result against a plain-Rust reference, and prints the time and rate.
//! `matmul [M N K]` (default 512 512 512). Exits non-zero on a wrong answer.

use std::process::ExitCode;
use std::time::Instant;

use matmul::{matmul_checked, matmul_reference};
use runtime_hip::Device;

fn main() -> ExitCode {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let shape = match args[..] {
        [m, n, k] => (m, n, k),
        _ => (512, 512, 512),
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

/// Deterministic inputs in [-1, 1): a xorshift stream, so runs compare.
fn inputs(len: usize, seed: u64) -> Vec<f32> {
    let mut s = seed;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

fn run((m, n, k): (usize, usize, usize)) -> Result<bool, runtime_hip::Error> {
    let device = Device::default()?;
    println!("device: {} ({})", device.info().name, device.target());
    let stream = device.stream()?;
    let (a, b) = (inputs(m * k, 1), inputs(k * n, 2));
    let (da, db) = (device.upload(&a)?, device.upload(&b)?);
    let mut dc = device.alloc_zeroed::<f32>(m * n)?;

    // The first launch loads the executable; time the second.
    matmul_checked(&stream, &da, &db, &mut dc, (m, n, k))?;
    device.synchronize()?;
    let start = Instant::now();
    matmul_checked(&stream, &da, &db, &mut dc, (m, n, k))?;
    device.synchronize()?;
    let secs = start.elapsed().as_secs_f64();
    let got = dc.download()?;

    let want = matmul_reference(&a, &b, (m, n, k));
    let err = relative_error(&got, &want);
    println!(
        "matmul {m}x{n}x{k}: {:.3} ms, {:.2} GFLOP/s, relative error {err:.2e}",
        secs * 1e3,
        2.0 * (m * n * k) as f64 / secs / 1e9
    );
    for v in runtime_hip::dispatch::loaded_variants() {
        println!("ran `{}` as {} on {}", v.export, v.variant, v.device);
    }
    Ok(err < 1e-5)
}

/// ‖got − want‖ / ‖want‖.
fn relative_error(got: &[f32], want: &[f32]) -> f64 {
    let (mut num, mut den) = (0.0f64, 0.0f64);
    for (&g, &w) in got.iter().zip(want) {
        num += (f64::from(g) - f64::from(w)).powi(2);
        den += f64::from(w).powi(2);
    }
    (num / den.max(f64::MIN_POSITIVE)).sqrt()
}
