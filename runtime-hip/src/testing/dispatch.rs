//! Launches through `Kernel` on the mock device: argument packing, loading,
//! the checks before a launch, variant selection.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::mock::{mock_device, Mock};
use super::{kernel, sample_bundle, variant};
use crate::backend::DevicePtr;
use crate::bundle::{BundleSpec, ExecutableSpec};
use crate::dispatch::{select_variant, Binding, ExportRef, Kernel};
use crate::target::{Format, Platform, TargetId};
use crate::Error;

/// The IREE sample's `simple_mul(lhs, rhs, ret, 8)` launched once through
/// `k` on a new mock gfx1100 device: the mock, the buffers' addresses
/// (lhs, rhs, ret) and what the launch returned.
fn launch_sample(k: &Kernel) -> (Arc<Mock>, [DevicePtr; 3], Result<(), Error>) {
    let (d, m) = mock_device("gfx1100");
    let s = d.stream().unwrap();
    let lhs = d.upload(&[2.0f32; 8]).unwrap();
    let rhs = d.upload(&[4.0f32; 8]).unwrap();
    let mut ret = d.alloc_zeroed::<f32>(8).unwrap();
    let bindings = [lhs.binding(), rhs.binding(), ret.binding_mut()];
    // SAFETY: the mock runs nothing.
    let result = unsafe { k.launch(&s, [1, 1, 1], &bindings, &[8]) };
    (m, [lhs.addr(), rhs.addr(), ret.addr()], result)
}

#[test]
fn launch_packs_bindings_then_constants() {
    let bundle = sample_bundle();
    let k = kernel(bundle, "simple_mul", 0);
    let (m, [lhs, rhs, ret], result) = launch_sample(&k);
    result.unwrap();
    let l = m.launches.lock().unwrap()[0].clone();
    let mut want = Vec::new();
    for a in [lhs, rhs, ret] {
        want.extend_from_slice(&a.to_le_bytes());
    }
    want.extend_from_slice(&8u32.to_le_bytes());
    assert_eq!(l.args, want);
    assert_eq!(
        (l.kernel, l.grid, l.block, l.shared),
        (100, [1, 1, 1], [64, 1, 1], 0)
    );
    assert!(m
        .events()
        .contains(&"load gfx1100 simple_mul,simple_mul_inplace,too_big".to_string()));
}

#[test]
fn launch_packs_in_the_kernel_order_the_wrapper_describes() {
    use crate::dispatch::ParamSlot;
    // The kernel is `(int n, float* ret, const float* lhs, const float* rhs)`.
    static PARAMS: [ParamSlot; 4] = [
        ParamSlot::Value {
            word: 0,
            size: 4,
            align: 4,
        },
        ParamSlot::Binding(2),
        ParamSlot::Binding(0),
        ParamSlot::Binding(1),
    ];
    let k = Kernel::new(ExportRef {
        params: &PARAMS,
        ..*kernel(sample_bundle(), "simple_mul", 0).export()
    });
    let (m, [lhs, rhs, ret], result) = launch_sample(&k);
    result.unwrap();
    let l = m.launches.lock().unwrap()[0].clone();
    // `n` at 0, then 4 bytes of padding before each 8-aligned pointer.
    let mut want = 8u32.to_le_bytes().to_vec();
    want.extend_from_slice(&[0; 4]);
    for a in [ret, lhs, rhs] {
        want.extend_from_slice(&a.to_le_bytes());
    }
    assert_eq!(l.args, want);

    // A parameter list that does not fit the export is refused before
    // anything is loaded.
    static WRONG: [ParamSlot; 2] = [ParamSlot::Binding(0), ParamSlot::Binding(1)];
    let k = Kernel::new(ExportRef {
        params: &WRONG,
        ..*kernel(sample_bundle(), "simple_mul", 0).export()
    });
    let (m, _, result) = launch_sample(&k);
    let e = result.unwrap_err();
    assert!(m.launches.lock().unwrap().is_empty(), "{:?}", m.events());
    assert!(
        matches!(&e, Error::KernelUnfit { reason, .. } if reason.contains("binding 2 is no kernel parameter")),
        "{e}"
    );
}

#[test]
fn executables_load_once_per_device() {
    let bundle = sample_bundle();
    let mul = kernel(bundle, "simple_mul", 0);
    let inplace = kernel(bundle, "simple_mul_inplace", 1);
    let (d1, m1) = mock_device("gfx1100");
    let (d2, m2) = mock_device("gfx90a:sramecc+:xnack-");
    for d in [&d1, &d2] {
        let s = d.stream().unwrap();
        let a = d.upload(&[1.0f32; 4]).unwrap();
        let mut b = d.upload(&[1.0f32; 4]).unwrap();
        for _ in 0..3 {
            // SAFETY: the mock runs nothing.
            unsafe {
                inplace
                    .launch(&s, [1, 1, 1], &[a.binding(), b.binding_mut()], &[4])
                    .unwrap();
                mul.launch(
                    &s,
                    [1, 1, 1],
                    &[a.binding(), a.binding(), b.binding_mut()],
                    &[4],
                )
                .unwrap();
            }
        }
    }
    assert_eq!(m1.loads.load(Ordering::Relaxed), 1);
    assert_eq!(m2.loads.load(Ordering::Relaxed), 1);
    assert!(m2
        .events()
        .iter()
        .any(|e| e.starts_with("load gfx90a:xnack-")));
    // Each export got its own function from the one module.
    let kernels: Vec<usize> = m1
        .launches
        .lock()
        .unwrap()
        .iter()
        .map(|l| l.kernel)
        .collect();
    assert_eq!(kernels, [101, 100, 101, 100, 101, 100]);
}

#[test]
fn launch_checks() {
    let bundle = sample_bundle();
    let k = kernel(bundle, "simple_mul", 0);
    let (d, m) = mock_device("gfx1100");
    let (other, _) = mock_device("gfx1100");
    let s = d.stream().unwrap();
    let a = d.upload(&[1.0f32; 4]).unwrap();
    let mut b = d.upload(&[1.0f32; 4]).unwrap();
    let foreign = other.upload(&[1.0f32; 4]).unwrap();
    let launch = |wg: [u32; 3], bindings: &[crate::dispatch::Binding<'_>], c: &[u32]| {
        // SAFETY: the mock runs nothing.
        unsafe { k.launch(&s, wg, bindings, c) }
    };
    let reason = |e: Error| {
        let text = e.to_string();
        match e {
            Error::WrongArguments { kernel, .. }
            | Error::ReadOnlyBinding { kernel, .. }
            | Error::GridTooLarge { kernel, .. }
            | Error::BadBinding { kernel, .. } => assert_eq!(kernel, "simple_mul"),
            e => panic!("{e}"),
        }
        text
    };
    // Counts.
    let r = reason(launch([1, 1, 1], &[a.binding(), a.binding()], &[4]).unwrap_err());
    assert!(r.contains("takes 3 and 1"), "{r}");
    let r =
        reason(launch([1, 1, 1], &[a.binding(), a.binding(), b.binding_mut()], &[]).unwrap_err());
    assert!(r.contains("passed 3 bindings and 0 constants"), "{r}");
    // A writable binding passed read-only.
    let r = reason(launch([1, 1, 1], &[a.binding(), a.binding(), b.binding()], &[4]).unwrap_err());
    assert!(r.contains("binding 2 is writable"), "{r}");
    // Grid limits.
    let r = reason(
        launch(
            [1, 65536, 1],
            &[a.binding(), a.binding(), b.binding_mut()],
            &[4],
        )
        .unwrap_err(),
    );
    assert!(r.contains("exceeds the device's maximum"), "{r}");
    // A buffer of another device.
    let r = reason(
        launch(
            [1, 1, 1],
            &[foreign.binding(), a.binding(), b.binding_mut()],
            &[4],
        )
        .unwrap_err(),
    );
    assert!(
        r.contains("binding 0") && r.contains("does not belong"),
        "{r}"
    );
    assert!(m.launches.lock().unwrap().is_empty());
    // Zero workgroups: Ok, nothing queued.
    for wg in [[0, 1, 1], [1, 0, 1], [1, 1, 0]] {
        launch(wg, &[a.binding(), a.binding(), b.binding_mut()], &[4]).unwrap();
    }
    assert!(m.launches.lock().unwrap().is_empty());
    // Empty bindings pass a null pointer and skip the ownership check.
    let empty = d.alloc_zeroed::<f32>(0).unwrap();
    launch(
        [2, 1, 1],
        &[empty.binding(), a.slice(1..1).binding(), b.binding_mut()],
        &[0],
    )
    .unwrap();
    let l = m.launches.lock().unwrap()[0].clone();
    assert_eq!(&l.args[..16], &[0u8; 16]);
    assert_eq!(l.grid, [2, 1, 1]);
}

#[test]
fn block_size_over_the_device_limit_is_refused() {
    let bundle = sample_bundle();
    let k = kernel(bundle, "too_big", 2);
    let (d, m) = mock_device("gfx1100");
    let s = d.stream().unwrap();
    // SAFETY: the mock runs nothing.
    let e = unsafe { k.launch(&s, [1, 1, 1], &[], &[]) }.unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("4096 threads") && text.contains("1024"),
        "{text}"
    );
    assert!(m.launches.lock().unwrap().is_empty());
}

#[test]
fn stale_wrappers_are_reported() {
    let bundle = sample_bundle();
    let (d, _) = mock_device("gfx1100");
    let s = d.stream().unwrap();
    for (k, want) in [
        (
            kernel(bundle, "renamed", 0),
            "ordinal 0 of `custom_dispatch` is `simple_mul`",
        ),
        (kernel(bundle, "simple_mul", 9), "export ordinal 9"),
        (
            Kernel::new(ExportRef {
                params: &[],
                bundle,
                executable: 3,
                ordinal: 0,
                name: "simple_mul",
                host: None,
            }),
            "executable 3",
        ),
    ] {
        // SAFETY: the mock runs nothing.
        let e = unsafe { k.launch(&s, [1, 1, 1], &[], &[]) }.unwrap_err();
        assert!(matches!(e, Error::MissingExport { .. }), "{e}");
        assert!(e.to_string().contains(want), "{e}");
    }
    // A corrupt bundle is a Bundle error.
    let k = kernel(b"not a bundle", "simple_mul", 0);
    // SAFETY: as above.
    let e = unsafe { k.launch(&s, [1, 1, 1], &[], &[]) }.unwrap_err();
    assert!(matches!(e, Error::Bundle(_)), "{e}");
}

#[test]
fn no_variant_names_the_device_and_every_variant() {
    let bundle = sample_bundle();
    let k = kernel(bundle, "simple_mul", 0);
    let (d, _) = mock_device("gfx942");
    let s = d.stream().unwrap();
    // SAFETY: the mock runs nothing.
    let e = unsafe { k.launch(&s, [1, 1, 1], &[], &[]) }.unwrap_err();
    match &e {
        Error::NoVariant {
            executable,
            device_target,
            available,
        } => {
            assert_eq!(executable, "custom_dispatch");
            assert_eq!(device_target, "gfx942");
            assert_eq!(
                available,
                &["gfx90a:xnack- (hsaco)", "gfx1100 (hsaco)", "sm_80 (ptx)"]
            );
        }
        e => panic!("{e}"),
    }
    assert!(e
        .to_string()
        .contains("gfx90a:xnack- (hsaco), gfx1100 (hsaco), sm_80 (ptx)"));
}

/// Variant selection over a bundle holding many targets, table-driven.
#[test]
fn variant_selection_table() {
    let spec = BundleSpec {
        executables: vec![ExecutableSpec {
            name: "e".into(),
            exports: vec![],
            variants: vec![
                variant("gfx90a", Format::Hsaco),
                variant("gfx90a:xnack+", Format::Hsaco),
                variant("gfx90a:sramecc+:xnack-", Format::Hsaco),
                variant("gfx942:xnack-", Format::Hsaco),
                variant("gfx1100", Format::Hsaco),
                variant("sm_70", Format::Ptx),
                variant("sm_80", Format::Ptx),
                variant("sm_80", Format::Cubin),
                variant("sm_90", Format::Cubin),
                variant("host", Format::Host),
                variant("gfx9999", Format::Hsaco), // unknown to this runtime: skipped
            ],
        }],
    };
    let bytes = spec.to_bytes();
    let b = crate::bundle::Bundle::parse(&bytes).unwrap();
    let exe = b.executable(0).unwrap();
    let pick = |device: &str| {
        select_variant(&exe, &device.parse().unwrap())
            .map(|(_, v)| format!("{} {}", v.target_str(), v.format()))
            .map_err(|e| e.to_string())
    };
    let cases: &[(&str, Option<&str>)] = &[
        // Exact id wins over "any".
        (
            "gfx90a:sramecc+:xnack-",
            Some("gfx90a:sramecc+:xnack- hsaco"),
        ),
        ("gfx90a:sramecc+:xnack+", Some("gfx90a:xnack+ hsaco")),
        // Only the generic one fits.
        ("gfx90a:sramecc-:xnack-", Some("gfx90a hsaco")),
        ("gfx942:sramecc+:xnack-", Some("gfx942:xnack- hsaco")),
        ("gfx942:sramecc+:xnack+", None),
        ("gfx1100", Some("gfx1100 hsaco")),
        ("gfx1201", None),
        // A cubin only on its exact sm; PTX for its sm or newer, nearest first.
        ("sm_80", Some("sm_80 cubin")),
        ("sm_86", Some("sm_80 ptx")),
        ("sm_90", Some("sm_90 cubin")),
        ("sm_75", Some("sm_70 ptx")),
        ("sm_120", Some("sm_80 ptx")),
        ("host", Some("host host")),
    ];
    for (device, want) in cases {
        match (pick(device), want) {
            (Ok(got), Some(w)) => assert_eq!(&got, w, "device {device}"),
            (Err(e), None) => {
                assert!(e.contains(device), "{e}");
                assert!(e.contains("gfx9999 (hsaco)"), "{e}");
            }
            (got, want) => panic!("device {device}: got {got:?}, want {want:?}"),
        }
    }
    // sm_70 device with only an sm_80 cubin/PTX: no variant.
    let nvidia_only = TargetId::Nvidia { sm: 61 };
    assert!(select_variant(&exe, &nvidia_only).is_err());
    assert_eq!(
        Platform::Amd,
        "gfx90a".parse::<TargetId>().unwrap().platform()
    );
}

#[test]
fn concurrent_first_launches_resolve_once() {
    let bundle = sample_bundle();
    let k: &'static Kernel = Box::leak(Box::new(kernel(bundle, "simple_mul_inplace", 1)));
    let (d, m) = mock_device("gfx1100");
    std::thread::scope(|scope| {
        for _ in 0..8 {
            let d = d.clone();
            scope.spawn(move || {
                let s = d.stream().unwrap();
                let a = d.upload(&[1i32; 2]).unwrap();
                let mut b = d.upload(&[1i32; 2]).unwrap();
                // SAFETY: the mock runs nothing.
                unsafe { k.launch(&s, [1, 1, 1], &[a.binding(), b.binding_mut()], &[2]) }.unwrap();
            });
        }
    });
    assert_eq!(m.loads.load(Ordering::Relaxed), 1);
    assert_eq!(m.launches.lock().unwrap().len(), 8);
}

#[test]
fn optional_bindings_pass_null_and_record_no_hazard() {
    let bundle = sample_bundle();
    let mul = kernel(bundle, "simple_mul", 0);
    let inplace = kernel(bundle, "simple_mul_inplace", 1);
    let (d, m) = mock_device("gfx1100");
    let (s1, s2) = (d.stream().unwrap(), d.stream().unwrap());
    let a = d.upload(&[2.0f32; 4]).unwrap();
    let mut b = d.alloc_zeroed::<f32>(4).unwrap();
    // SAFETY: the mock runs nothing.
    unsafe { inplace.launch(&s1, [1, 1, 1], &[a.binding(), b.binding_mut()], &[4]) }.unwrap();
    m.events.lock().unwrap().clear();
    // `None` in a read-only slot and in a writable one: null pointers, and
    // no wait for the writer of `b` on the other stream (nothing bound it).
    let none: Option<&mut crate::DeviceSlice<f32>> = None;
    let bindings = [
        Binding::optional(Some(&*a)),
        Binding::optional::<f32>(None),
        Binding::optional_mut(none),
    ];
    // SAFETY: the mock runs nothing.
    unsafe { mul.launch(&s2, [1, 1, 1], &bindings, &[4]) }.unwrap();
    let l = m.launches.lock().unwrap().last().unwrap().clone();
    let mut want = a.addr().to_le_bytes().to_vec();
    want.extend_from_slice(&[0; 16]);
    want.extend_from_slice(&4u32.to_le_bytes());
    assert_eq!(l.args, want);
    assert!(
        !m.events().iter().any(|e| e.contains("waits for")),
        "{:?}",
        m.events()
    );
    // A `Some` writable binding is the slice's, and waits as any.
    // SAFETY: the mock runs nothing.
    unsafe {
        mul.launch(
            &s2,
            [1, 1, 1],
            &[
                a.binding(),
                a.binding(),
                Binding::optional_mut(Some(&mut *b)),
            ],
            &[4],
        )
    }
    .unwrap();
    assert!(m.events().iter().any(|e| e.contains("waits for")));
    // The null binding of a writable slot must still be writable.
    // SAFETY: refused before anything is queued; the mock runs nothing.
    let e = unsafe {
        mul.launch(
            &s2,
            [1, 1, 1],
            &[a.binding(), a.binding(), Binding::optional::<f32>(None)],
            &[4],
        )
    }
    .unwrap_err();
    assert!(
        matches!(e, Error::ReadOnlyBinding { binding: 2, .. }),
        "{e}"
    );
}

#[test]
fn dynamic_shared_memory_is_checked_against_the_device_and_the_static_bytes() {
    let bundle = sample_bundle();
    let inplace = kernel(bundle, "simple_mul_inplace", 1);
    let mul = kernel(bundle, "simple_mul", 0);
    let (d, m) = mock_device("gfx1100");
    let s = d.stream().unwrap();
    let a = d.upload(&[2.0f32; 4]).unwrap();
    let mut b = d.alloc_zeroed::<f32>(4).unwrap();
    // The mock allows 64 KiB per workgroup; `simple_mul_inplace` has 1 KiB
    // of static shared memory.
    let mut launch = |bytes: u32| {
        // SAFETY: the mock runs nothing.
        unsafe {
            inplace.launch_with_shared(&s, [1, 1, 1], bytes, &[a.binding(), b.binding_mut()], &[4])
        }
    };
    launch(65536 - 1024).unwrap();
    assert_eq!(m.launches.lock().unwrap().last().unwrap().shared, 64512);
    for bytes in [65536 - 1023, u32::MAX] {
        let e = launch(bytes).unwrap_err();
        let text = e.to_string();
        match e {
            Error::SharedMemoryTooLarge {
                kernel,
                requested,
                static_bytes,
                limit,
            } => {
                assert_eq!(kernel, "simple_mul_inplace");
                assert_eq!(
                    (requested, static_bytes, limit),
                    (u64::from(bytes), 1024, 65536)
                );
            }
            e => panic!("{e}"),
        }
        assert!(text.contains("at most 64512 dynamic bytes fit"), "{text}");
    }
    assert_eq!(
        m.launches.lock().unwrap().len(),
        1,
        "refused launches queue nothing"
    );
    // Without static shared memory the whole limit is available.
    // SAFETY: the mock runs nothing.
    unsafe {
        mul.launch_with_shared(
            &s,
            [1, 1, 1],
            65536,
            &[a.binding(), a.binding(), b.binding_mut()],
            &[4],
        )
    }
    .unwrap();
    assert_eq!(m.launches.lock().unwrap().last().unwrap().shared, 65536);
}
