//! The backend around the kernels: streams, bindings, executor failures,
//! limits and resolution.

use super::{entry, Dev};
use crate::backend::{Backend, KernelHandle, LaunchSpec};
use crate::host::backend::{resolve, HostBackend};

#[test]
fn streams_run_in_order_and_in_parallel() {
    let d = Dev::new();
    let other = d.backend.create_stream().unwrap();
    let n = 10_000usize;
    let a = d.upload(&vec![1.5f32; n]);
    let b = d.zeros::<f32>(n);
    let c = d.upload(&vec![3.0f32; n]);
    let count = [(n as u32).div_ceil(64), 1, 1];
    // b = a * a, then 20 times b *= a, all queued before any wait.
    d.launch(
        entry("simple_mul", false),
        count,
        [64, 1, 1],
        &[a, a, b],
        &[n as u32],
    );
    for _ in 0..20 {
        d.launch(
            entry("simple_mul_inplace", false),
            count,
            [64, 1, 1],
            &[a, b],
            &[n as u32],
        );
    }
    // SAFETY: `c` is a live buffer of `n` floats, used by this stream only.
    unsafe {
        other
            .submit(&LaunchSpec {
                grid: count,
                block: [64, 1, 1],
                bindings: &[c, c],
                constants: &[n as u32],
                ..LaunchSpec::test(KernelHandle::Host(entry("simple_mul_inplace", false)))
            })
            .unwrap()
    };
    d.backend.synchronize().unwrap();
    let mut want = 1.5f32 * 1.5;
    for _ in 0..20 {
        want *= 1.5;
    }
    assert!(
        d.download::<f32>(b, n).iter().all(|&v| v == want),
        "want {want}"
    );
    assert!(d.download::<f32>(c, n).iter().all(|&v| v == 9.0));
}

#[test]
fn bindings_must_be_live_host_allocations() {
    let d = Dev::new();
    let p = d.zeros::<f32>(16);
    let be = &d.backend;
    be.check_binding(p, 64).unwrap();
    be.check_binding(p + 60, 4).unwrap();
    be.check_binding(p + 64, 0).unwrap();
    assert!(be.check_binding(p + 60, 8).is_err());
    assert!(be.check_binding(p - 4, 4).is_err());
    assert!(be.check_binding(0x7f00_0000_0000, 4).is_err()); // e.g. a GPU address
    be.check_binding(0, 0).unwrap(); // an empty buffer without memory
    assert!(be.check_binding(0, 4).is_err());
    let other = HostBackend::new();
    assert!(other.check_binding(p, 4).is_err()); // another device's memory
    assert_eq!(p % 64, 0);
    let n = be.registry().len();
    // SAFETY: nothing was queued on `p`.
    unsafe { be.free(p) };
    assert_eq!(be.registry().len(), n - 1);
    assert!(be.check_binding(p, 4).is_err());
    // A launch naming freed memory is refused before it is queued.
    // SAFETY: refused before running.
    let r = unsafe {
        d.stream.submit(&LaunchSpec {
            bindings: &[p, p, p],
            constants: &[1],
            ..LaunchSpec::test(KernelHandle::Host(entry("simple_mul", false)))
        })
    };
    assert!(r.is_err());
    // SAFETY: out of range, so refused before copying.
    assert!(unsafe { be.copy_h2d(p, &[0u8; 4]) }.is_err());
}

#[test]
fn executor_panics_are_reported_at_the_next_sync() {
    let d = Dev::new();
    let out = d.zeros::<f32>(1);
    let e = entry("simple_mul", false);
    d.launch(
        e,
        [20, 1, 1], // 20 blocks of 343 threads: big enough for the worker pool
        crate::host::pool::tests::PANIC_BLOCK,
        &[out, out, out],
        &[0],
    );
    // The device's wait does not consume the stream's failure.
    d.backend.synchronize().unwrap();
    let err = d.stream.synchronize().unwrap_err().to_string();
    assert!(err.contains("injected executor panic"), "{err}");
    // Reported once; the workers survive and keep running launches.
    d.stream.synchronize().unwrap();
    let n = 10_000usize;
    let v = d.upload(&vec![3.0f32; n]);
    let e = entry("simple_mul_inplace", false);
    d.launch(e, [100, 1, 1], [100, 1, 1], &[v, v], &[n as u32]);
    assert!(d.download::<f32>(v, n).iter().all(|&x| x == 9.0));
}

#[test]
fn dropping_a_stream_waits_for_its_work() {
    let d = Dev::new();
    let n = 100_000usize;
    let v = d.upload(&vec![2.0f32; n]);
    let s = d.backend.create_stream().unwrap();
    let e = KernelHandle::Host(entry("simple_mul_inplace", false));
    for _ in 0..5 {
        // SAFETY: `v` holds `n` floats.
        unsafe {
            s.submit(&LaunchSpec {
                grid: [(n as u32).div_ceil(64), 1, 1],
                block: [64, 1, 1],
                bindings: &[v, v],
                constants: &[n as u32],
                ..LaunchSpec::test(e)
            })
        }
        .unwrap();
    }
    drop(s);
    let mut want = 2.0f32;
    for _ in 0..5 {
        want *= want;
    }
    assert!(d.download::<f32>(v, n).iter().all(|&x| x == want));
}

#[test]
fn limits_and_loading() {
    let d = Dev::new();
    let info = d.backend.info();
    assert_eq!(info.target, crate::TargetId::Host);
    assert!(info.name.starts_with("host ("));
    assert_eq!(info.limits.warp_size, 32);
    // SAFETY: refused before running.
    let r = unsafe {
        d.stream.submit(&LaunchSpec {
            block: [1025, 1, 1],
            ..LaunchSpec::test(KernelHandle::Host(entry("simple_mul", false)))
        })
    };
    assert!(r.is_err());
    // SAFETY: refused before running.
    let r = unsafe {
        d.stream.submit(&LaunchSpec {
            ..LaunchSpec::test(KernelHandle::Gpu(1))
        })
    };
    assert!(r.is_err());
    let e = entry("simple_mul", false);
    assert!(matches!(
        resolve(&["simple_mul"], &[Some(e)]).unwrap()[..],
        [KernelHandle::Host(_)]
    ));
    let err = resolve(&["simple_mul"], &[None]).unwrap_err().to_string();
    assert!(err.contains("without the `host` target"), "{err}");
}
