//! Runs `mixed_invocation` with the IREE sample's inputs on the best device
//! present and prints the result in `iree-run-module`'s format. Exits
//! non-zero on a wrong answer.

use std::process::ExitCode;
use std::time::Instant;

use custom_dispatch_prebuilt::square_mul;
use runtime_hip::{format_tensor, Device};

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<bool, runtime_hip::Error> {
    let device = Device::default()?;
    println!("device: {} ({})", device.info().name, device.target());
    let stream = device.stream()?;
    let lhs = device.upload(&[2.0f32; 8])?;
    let rhs = device.upload(&[4.0f32; 8])?;

    let start = Instant::now();
    let result = square_mul(&stream, &lhs, &rhs)?;
    let values = result.download()?;
    let elapsed = start.elapsed();

    println!("EXEC @square_mul");
    println!("{}", format_tensor(&values));
    for v in runtime_hip::dispatch::loaded_variants() {
        println!("ran `{}` as {} on {}", v.export, v.variant, v.device);
    }
    println!(
        "time: {:.3} ms (first call: loads the executable)",
        elapsed.as_secs_f64() * 1e3
    );
    let ok = values == [32.0f32; 8];
    if !ok {
        eprintln!("wrong answer: expected 8xf32=32 32 32 32 32 32 32 32");
    }
    Ok(ok)
}
