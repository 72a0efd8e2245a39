//! The asynchronous-runtime figures on the host platform (issue 21):
//! 100 launches replayed from a `CommandBuffer` against 100 queued one by
//! one, and an upload overlapping a kernel on another stream. The
//! measurement is gpu-check's (`gpu_check::replay`), the same code the
//! lent GPU runs, so the host and GPU figures mean the same thing.

use runtime_hip::{Device, Platform};

use crate::Report;

/// Runs both figures on host:0 and reports them as `host.<name>`.
pub fn run(report: &mut Report, quick: bool, reps: usize) -> Result<(), String> {
    let device = Device::open(Platform::Host, 0).map_err(|e| e.to_string())?;
    let mut figures = gpu_check::replay::replay(&device, 100, reps)?;
    let n = if quick { 1 << 20 } else { 1 << 22 };
    figures.extend(gpu_check::replay::overlap(&device, n, reps)?);
    for f in figures {
        report.figure(&format!("host.{}", f.name), f.value, f.unit, None);
    }
    Ok(())
}
