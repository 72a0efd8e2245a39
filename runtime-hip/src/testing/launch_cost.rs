//! What the runtime's launch path costs, against a stream that does nothing.

use std::sync::Arc;

use super::mock::mock_device;
use super::{kernel, sample_bundle};
use crate::backend::{BackendStream, FenceRef, KernelHandle, LaunchSpec};
use crate::drivers::KernelParams;
use crate::Error;

/// A stream whose launches do nothing, to measure the runtime's own cost.
struct NullStream;

/// The fence of work that never runs: always done.
struct NullFence;

impl crate::backend::Fence for NullFence {
    fn stream(&self) -> u64 {
        u64::MAX
    }
    fn wait(&self) -> Result<(), crate::backend::WaitError> {
        Ok(())
    }
    fn is_done(&self) -> bool {
        true
    }
}

impl BackendStream for NullStream {
    fn id(&self) -> u64 {
        u64::MAX
    }
    unsafe fn submit(&self, l: &LaunchSpec<'_>) -> Result<(), Error> {
        // What a GPU backend does besides the driver call.
        let mut p = KernelParams::new();
        KernelParams::pack(l.params, l.bindings, l.constants, &mut p).map_err(|reason| {
            Error::KernelUnfit {
                kernel: l.name.to_string(),
                device: "null".to_string(),
                reason,
            }
        })?;
        std::hint::black_box((l.kernel, p.as_ptr()));
        Ok(())
    }
    fn fence(&self) -> Result<FenceRef, Error> {
        Ok(Arc::new(NullFence))
    }
    fn wait_fence(&self, _: &FenceRef) -> Result<(), Error> {
        Ok(())
    }
    fn synchronize(&self) -> Result<(), Error> {
        Ok(())
    }
}

/// Time per launch through `Kernel::launch` and straight into the backend
/// stream, with a stream that does nothing: the difference is what the
/// wrapper path adds to a driver launch (a few microseconds on real GPUs).
/// `cargo test -p runtime-hip --release --lib launch_overhead -- --ignored --nocapture`
#[test]
#[ignore = "timing; run explicitly"]
fn launch_overhead() {
    let bundle = sample_bundle();
    let k = kernel(bundle, "simple_mul", 0);
    let (d, _) = mock_device("gfx1100");
    let s = crate::Stream::new(d.clone(), Arc::new(NullStream));
    let a = d.upload(&[1.0f32; 256]).unwrap();
    let mut b = d.upload(&[1.0f32; 256]).unwrap();
    let iters = 2_000_000u32;
    // SAFETY: nothing runs.
    unsafe {
        k.launch(
            &s,
            [4, 1, 1],
            &[a.binding(), a.binding(), b.binding_mut()],
            &[256],
        )
    }
    .unwrap();
    let t = std::time::Instant::now();
    for i in 0..iters {
        // SAFETY: nothing runs.
        unsafe {
            k.launch(
                &s,
                [4, 1, 1],
                &[a.binding(), a.binding(), b.binding_mut()],
                &[i],
            )
            .unwrap()
        };
    }
    let wrapped = t.elapsed().as_secs_f64() * 1e9 / f64::from(iters);
    let ptrs = [a.addr(), a.addr(), b.addr()];
    let t = std::time::Instant::now();
    for i in 0..iters {
        // SAFETY: nothing runs.
        unsafe {
            s.inner
                .submit(&LaunchSpec {
                    grid: [4, 1, 1],
                    block: [64, 1, 1],
                    bindings: &ptrs,
                    constants: &[i],
                    ..LaunchSpec::test(KernelHandle::Gpu(100))
                })
                .unwrap()
        };
    }
    let raw = t.elapsed().as_secs_f64() * 1e9 / f64::from(iters);
    eprintln!(
        "Kernel::launch {wrapped:.1} ns, raw backend launch {raw:.1} ns: the wrapper adds {:.1} ns",
        wrapped - raw
    );
}
