//! `gpu-bench probe | launch [LAUNCHES] | bandwidth [ELEMENTS] | replay
//! [DISPATCHES] | overlap [ELEMENTS]`, run by
//! run.sh with `IREE_DEVICE=nvidia`. Prints `device:`, `driver:`,
//! `variant:` and `figure:` lines. Exit status: 0 done, 1 failed, 3 no
//! device (with `IREE_DEVICE=nvidia`: no NVIDIA GPU could be opened).
//!
//! On another device (`IREE_DEVICE=host`: run.sh's rehearsal) only the
//! wrapper side runs, on 1/64 of the work: that run checks the program, not
//! the machine.

use std::process::ExitCode;

use gpu_check::bench::{self, Output};
use gpu_check::cuda::Cuda;
use gpu_check::replay;
use runtime_hip::{Device, Platform};

const USAGE: &str = "usage: gpu-bench probe | launch [LAUNCHES] | bandwidth [ELEMENTS] | replay [DISPATCHES] | overlap [ELEMENTS]";

/// Exit status when there is no GPU to measure.
const NO_GPU: u8 = 3;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let device = match Device::default() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("gpu-bench: no device: {e}");
            return ExitCode::from(if e.is_unavailable() { NO_GPU } else { 1 });
        }
    };
    println!("device: {device}, {:?}", device.limits());
    let cuda = match device.platform() {
        Platform::Nvidia => match Cuda::load() {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("gpu-bench: {e}");
                return ExitCode::FAILURE;
            }
        },
        _ => None,
    };
    match run(&device, cuda.as_ref(), &args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gpu-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn number(args: &[String], default: usize) -> Result<usize, String> {
    match args.get(1) {
        None => Ok(default),
        Some(a) => a
            .parse()
            .map_err(|_| format!("{a:?} is not a count\n{USAGE}")),
    }
}

fn run(device: &Device, cuda: Option<&Cuda>, args: &[String]) -> Result<(), String> {
    let cx = match cuda {
        Some(cu) => {
            println!(
                "driver: {} (cuDriverGetVersion {})",
                cu.path,
                cu.driver_version()?
            );
            Some(cu.context(device.info().ordinal as i32)?)
        }
        None => None,
    };
    if let Some(cx) = &cx {
        println!("cuda device: {}", cx.device_name()?);
    }
    let scale = if cx.is_some() { 1 } else { 64 };
    let out: Output = match args.first().map(String::as_str) {
        Some("probe") => return Ok(()),
        Some("launch") => bench::launch(device, cx.as_ref(), number(args, 20_000)? / scale, 7)?,
        Some("bandwidth") => {
            bench::bandwidth(device, cx.as_ref(), number(args, 1 << 26)? / scale, 7)?
        }
        // The same 100 dispatches everywhere: the figure is per 100.
        Some("replay") => Output {
            variant: String::new(),
            figures: replay::replay(device, number(args, 100)?, 7)?,
        },
        Some("overlap") => Output {
            variant: String::new(),
            figures: replay::overlap(device, number(args, 1 << 24)? / scale, 7)?,
        },
        _ => return Err(USAGE.into()),
    };
    if !out.variant.is_empty() {
        println!("{}", out.variant);
    }
    for f in &out.figures {
        println!("{f}");
    }
    if cx.is_none() {
        println!(
            "raw: skipped on {device} (no CUDA driver to compare with), 1/{scale} of the work"
        );
    }
    Ok(())
}
