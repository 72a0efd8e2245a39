//! `gpu-bench probe | launch [LAUNCHES] | bandwidth [ELEMENTS]`, run by
//! run.sh with `IREE_DEVICE=nvidia`. Prints `device:`, `driver:`,
//! `variant:` and `figure:` lines. Exit status: 0 done, 1 failed, 3 no
//! usable GPU (the device the runtime opened is not an NVIDIA GPU, or none
//! could be opened).

use std::process::ExitCode;

use gpu_check::bench::{self, Output};
use gpu_check::cuda::Cuda;
use runtime_hip::{Device, Platform};

const USAGE: &str = "usage: gpu-bench probe | launch [LAUNCHES] | bandwidth [ELEMENTS]";

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
        Ok(()) if cuda.is_some() => ExitCode::SUCCESS,
        Ok(()) => {
            eprintln!("gpu-bench: {device} is not an NVIDIA GPU: the raw side did not run");
            ExitCode::from(NO_GPU)
        }
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
    let out: Output = match args.first().map(String::as_str) {
        Some("probe") => return Ok(()),
        Some("launch") => bench::launch(device, cx.as_ref(), number(args, 20_000)?, 7)?,
        Some("bandwidth") => bench::bandwidth(device, cx.as_ref(), number(args, 1 << 26)?, 7)?,
        _ => return Err(USAGE.into()),
    };
    println!("{}", out.variant);
    for f in &out.figures {
        println!("{f}");
    }
    Ok(())
}
