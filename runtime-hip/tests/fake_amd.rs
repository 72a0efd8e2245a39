//! The AMD driver code against a fake libamdhip64 (tests/fake), including
//! finding `gcnArchName` in a ROCm 6 sized `hipDeviceProp_t`. One test:
//! environment.

#[allow(dead_code)] // each test binary uses part of it
mod fake;
mod sample;

use runtime_hip::{Device, Error, Format, Platform};

#[test]
fn amd_driver_against_a_fake_libamdhip64() {
    let Some(lib) = fake::build("HIP") else {
        return;
    };
    std::env::set_var("IREE_AMD_LIBRARY", &lib);
    std::env::remove_var("IREE_DEVICE");
    // AMD comes first in the default order.
    let device = Device::default().unwrap();
    let info = device.info();
    assert_eq!(info.name, "Fake gfx942 GPU");
    assert_eq!(info.platform, Platform::Amd);
    assert_eq!(info.target.to_string(), "gfx942:sramecc+:xnack-");
    assert_eq!(info.limits.max_block_dims, [1024, 1024, 1024]);
    assert_eq!(info.limits.max_threads_per_block, 1024);
    assert_eq!(info.limits.shared_memory_per_block, 65536);
    assert_eq!(
        (info.limits.warp_size, info.limits.multiprocessor_count),
        (64, 304)
    );
    assert_eq!(Device::all().first(), Some(&device));

    // The generic gfx942 object fits gfx942:sramecc+:xnack-; xnack+ does not.
    let ok = fake::bundle(
        &[("gfx942:xnack+", Format::Hsaco), ("gfx942", Format::Hsaco)],
        false,
    );
    fake::run_sample(&device, ok).unwrap();
    fake::check_shared_memory(&device, ok, 65536);
    fake::check_ordering(&device, &lib, ok);
    fake::check_async(&device, &lib, ok);
    fake::check_faults(&device, &lib, ok);
    fake::check_set_scalar(&device, &lib, ok);
    let none = fake::bundle(
        &[("gfx942:xnack+", Format::Hsaco), ("sm_90", Format::Ptx)],
        false,
    );
    let err = fake::run_sample(&device, none).unwrap_err();
    assert!(matches!(err, Error::NoVariant { .. }), "{err}");
    assert!(err.to_string().contains("gfx942:sramecc+:xnack-"), "{err}");

    // A variant naming its own symbols (a C++ kernel's mangled names): the
    // driver is asked for those, not for the export names.
    fake::run_sample(&device, fake::bundle_with_symbols("gfx942", Format::Hsaco)).unwrap();

    let bad = fake::bundle(&[("gfx942", Format::Hsaco)], true);
    let err = fake::run_sample(&device, bad).unwrap_err();
    assert!(
        matches!(&err, Error::ModuleLoad { log, .. } if log.contains("syntax error")),
        "{err}"
    );
    assert!(err.to_string().contains("hipModuleLoadDataEx"), "{err}");

    // Reads of sub-slices go through the driver's copy at the right offset.
    let buf = device.upload(&[1u32, 2, 3]).unwrap();
    assert_eq!(
        device.stream().unwrap().read(buf.slice(1..)).unwrap(),
        vec![2, 3]
    );
}
