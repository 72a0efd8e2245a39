//! The figures: launch overhead and bandwidth, each through the wrapper and
//! against the driver called directly (when the device is an NVIDIA GPU;
//! on the host only the wrapper side runs, which is what the tests check).

use runtime_hip::dispatch::loaded_variants;
use runtime_hip::Device;

use crate::cuda::Context;
use crate::figure::Figure;
use crate::simple_mul::{through_copy, through_driver, through_wrapper, Case, Timing};
use crate::variant;

/// What one benchmark run prints: the variant line, then its figures.
#[derive(Debug, Default)]
pub struct Output {
    /// `variant: simple_mul loaded as sm_90 (cubin) on nvidia:0 (…)`.
    pub variant: String,
    /// The figures, in order.
    pub figures: Vec<Figure>,
}

/// The variant the wrapper's first launch loaded on `device`, checked to be
/// the one the raw side loads; with its bytes.
fn loaded_variant(device: &Device) -> Result<(String, &'static [u8]), String> {
    let (chosen, image) = variant::simple_mul(device.target())?;
    let shown = device.to_string();
    let loaded = loaded_variants()
        .into_iter()
        .find(|v| v.export == "simple_mul" && v.device == shown)
        .ok_or_else(|| format!("the runtime recorded no load of simple_mul on {shown}"))?;
    if loaded.variant != chosen {
        return Err(format!(
            "the runtime loaded simple_mul as {} but select_variant picks {chosen}: \
             the raw side would launch other bytes",
            loaded.variant
        ));
    }
    Ok((
        format!("variant: simple_mul loaded as {chosen} on {shown}"),
        image,
    ))
}

fn us(name: &str, secs: f64, how: String) -> Figure {
    Figure {
        name: name.into(),
        value: secs * 1e6,
        unit: "us",
        how,
    }
}

/// Launch overhead: one 64-thread block, `launches` back to back timed to
/// the stream's end (the rate), and bursts of 500 timed on the host (what
/// the caller's thread pays), medians of `reps` runs; both ways when `raw`.
pub fn launch(
    device: &Device,
    raw: Option<&Context<'_>>,
    launches: usize,
    reps: usize,
) -> Result<Output, String> {
    let case = Case {
        n: 64,
        launches,
        reps,
        burst: 500.min(launches),
    };
    let rate = format!(
        "per launch of 1 block, median of {reps} runs of {launches} back to back, queued and run"
    );
    let queue = format!(
        "host time per launch to queue bursts of {}, median of {} bursts",
        case.burst,
        3 * reps
    );
    let wrapper = through_wrapper(device, &case)?;
    let (variant, image) = loaded_variant(device)?;
    let q = |t: Timing| t.queue.unwrap_or(f64::NAN);
    let mut figures = vec![
        us("launch.wrapper", wrapper.run, rate.clone()),
        us("launch.wrapper.queue", q(wrapper), queue.clone()),
    ];
    if let Some(cx) = raw {
        let driver = through_driver(cx, image, &case)?;
        figures.extend([
            us("launch.cuLaunchKernel", driver.run, rate),
            us("launch.cuLaunchKernel.queue", q(driver), queue),
            us(
                "launch.overhead",
                q(wrapper) - q(driver),
                "host time the wrapper adds per launch: wrapper.queue minus cuLaunchKernel.queue"
                    .into(),
            ),
        ]);
    }
    Ok(Output { variant, figures })
}

fn gbs(name: &str, case: &Case, secs: f64, how: String) -> Figure {
    Figure {
        name: name.into(),
        value: case.bytes_moved() as f64 / secs / 1e9,
        unit: "GB/s",
        how,
    }
}

/// `simple_mul` over `n` elements (bytes read plus written per second),
/// and a device-to-device copy moving the same bytes, when `raw`.
pub fn bandwidth(
    device: &Device,
    raw: Option<&Context<'_>>,
    n: usize,
    reps: usize,
) -> Result<Output, String> {
    let case = Case {
        n,
        launches: 10,
        reps,
        burst: 0,
    };
    let mib = case.bytes_moved() as f64 / (1 << 20) as f64;
    let how = format!("{mib:.0} MiB read+written per launch, median of {reps} runs of 10");
    let wrapper = through_wrapper(device, &case)?.run;
    let (variant, image) = loaded_variant(device)?;
    let mut figures = vec![gbs("bandwidth.wrapper", &case, wrapper, how.clone())];
    if let Some(cx) = raw {
        let driver = through_driver(cx, image, &case)?.run;
        figures.push(gbs("bandwidth.cuLaunchKernel", &case, driver, how.clone()));
        let copy = through_copy(cx, &case)?.run;
        figures.push(gbs("bandwidth.cuMemcpyDtoD", &case, copy, how));
        figures.push(Figure {
            name: "bandwidth.wrapper_vs_copy".into(),
            value: 100.0 * copy / wrapper,
            unit: "%",
            how: "simple_mul's bandwidth as a share of the copy's".into(),
        });
    }
    Ok(Output { variant, figures })
}
