//! The NVIDIA driver code against a fake libcuda (tests/fake): device
//! properties, memory, PTX loading with the JIT error log, and launches
//! whose parameters the fake driver reads back. One test: environment.

#[allow(dead_code)] // each test binary uses part of it
mod fake;
mod sample;

use runtime_hip::{Device, Error, Format, Platform, TargetId};

#[test]
fn nvidia_driver_against_a_fake_libcuda() {
    let Some(lib) = fake::build("CUDA") else {
        return;
    };
    std::env::set_var("IREE_NVIDIA_LIBRARY", &lib);
    std::env::set_var("IREE_DEVICE", "nvidia");
    let device = Device::default().unwrap();
    let info = device.info();
    assert_eq!(info.name, "Fake CUDA GPU");
    assert_eq!(info.platform, Platform::Nvidia);
    assert_eq!(info.target, TargetId::Nvidia { sm: 90 });
    assert_eq!(info.limits.max_block_dims, [1024, 1024, 64]);
    assert_eq!(info.limits.max_grid_dims, [2147483647, 65535, 65535]);
    assert_eq!(info.limits.shared_memory_per_block, 49152);
    assert_eq!(
        (info.limits.warp_size, info.limits.multiprocessor_count),
        (32, 132)
    );
    assert_eq!(Device::count(Platform::Nvidia), 1);
    assert_eq!(Device::open(Platform::Nvidia, 0).unwrap(), device);
    assert!(matches!(
        Device::open(Platform::Nvidia, 1).unwrap_err(),
        Error::NoDevice { .. }
    ));

    // PTX for an older sm is chosen for sm_90 (the cubin for sm_80 is not).
    let ok = fake::bundle(
        &[
            ("sm_80", Format::Cubin),
            ("sm_80", Format::Ptx),
            ("gfx942", Format::Hsaco),
        ],
        false,
    );
    fake::run_sample(&device, ok).unwrap();
    fake::check_shared_memory(&device, ok, 49152);
    fake::check_ordering(&device, &lib, ok);
    fake::check_async(&device, &lib, ok);
    fake::check_faults(&device, &lib, ok);
    fake::check_set_scalar(&device, &lib, ok);
    // A variant naming its own symbols (a C++ kernel's mangled names).
    fake::run_sample(&device, fake::bundle_with_symbols("sm_90", Format::Ptx)).unwrap();

    // A JIT failure carries the driver's log.
    let bad = fake::bundle(&[("sm_90", Format::Ptx)], true);
    let k = fake::kernel(bad, "simple_mul", 0);
    let s = device.stream().unwrap();
    // SAFETY: the load fails before anything runs.
    let err = unsafe { k.launch(&s, [1, 1, 1], &[], &[]) }.unwrap_err();
    let text = err.to_string();
    match &err {
        Error::ModuleLoad {
            executable,
            target,
            format,
            log,
            ..
        } => {
            assert_eq!(executable, "custom_dispatch");
            assert_eq!((target.as_str(), *format), ("sm_90", Format::Ptx));
            assert_eq!(log, "fake jit: syntax error at line 3");
        }
        e => panic!("{e}"),
    }
    assert!(
        text.contains("cuModuleLoadDataEx") && text.contains("CUDA_ERROR_INVALID_VALUE"),
        "{text}"
    );
    assert!(text.contains("fake jit: syntax error"), "{text}");

    // No variant for sm_90: names the device and what the bundle holds.
    let text = fake::run_sample(&device, fake::bundle(&[("gfx90a", Format::Hsaco)], false))
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("sm_90") && text.contains("gfx90a (hsaco)"),
        "{text}"
    );
    // An exact cubin is chosen; PTX for a newer sm never is.
    let exact = fake::bundle(&[("sm_100", Format::Ptx), ("sm_90", Format::Cubin)], false);
    fake::run_sample(&device, exact).unwrap();
}
