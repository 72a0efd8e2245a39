//! AMD code objects compiled with real clang-19, inspected and cross-checked
//! against `llvm-readelf-19 --notes`.

mod support;

use std::process::Command;

use iree_build::code_object::{check_target, inspect, Access, ArgKind, InspectError, KernelInfo};
use iree_build::target::{Format, TargetId};
use support::code_object as s;

fn t(s: &str) -> TargetId {
    s.parse().unwrap()
}

fn buffers(k: &KernelInfo) -> Vec<Option<Access>> {
    k.args
        .iter()
        .filter_map(|a| match a.kind {
            ArgKind::GlobalBuffer { access } => Some(access),
            _ => None,
        })
        .collect()
}

#[test]
fn seed_kernels_gfx90a_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let co = s::amd_object(dir.path(), &s::seed_kernels(), &["gfx90a"], false, &[]);
    let info = inspect(&co, Format::Hsaco).unwrap();
    assert_eq!(info.format, Format::Hsaco);
    assert_eq!(info.target, Some(t("gfx90a")));
    let names: Vec<_> = info.kernels.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(names, ["simple_mul", "simple_mul_inplace"]);

    let mul = info.kernel("simple_mul").unwrap();
    assert_eq!(
        buffers(mul),
        [
            Some(Access::ReadOnly),
            Some(Access::ReadOnly),
            Some(Access::WriteOnly)
        ]
    );
    assert_eq!(mul.args.len(), 4, "hidden args are skipped: {:?}", mul.args);
    assert_eq!(mul.args[3].kind, ArgKind::ByValue);
    assert_eq!(mul.args[3].size, 4);
    let layout: Vec<_> = mul.args.iter().map(|a| (a.size, a.offset)).collect();
    assert_eq!(
        layout,
        [(8, Some(0)), (8, Some(8)), (8, Some(16)), (4, Some(24))]
    );
    assert_eq!(mul.wavefront_size, Some(64));
    assert_eq!(mul.max_flat_workgroup_size, Some(1024));
    assert_eq!(mul.group_segment_fixed_size, Some(0));
    assert_eq!(mul.private_segment_fixed_size, Some(0));
    assert!(mul.kernarg_segment_size.unwrap() >= 28);
    assert_eq!(mul.uses_barrier, None);
    assert_eq!(mul.lockstep, None);

    // What clang-19 really says for the in-place kernel: the buffer that is
    // both read and written carries no `.actual_access` at all.
    let inplace = info.kernel("simple_mul_inplace").unwrap();
    assert_eq!(buffers(inplace), [Some(Access::ReadOnly), None]);
    assert_eq!(inplace.args[2].kind, ArgKind::ByValue);
    assert_eq!(inplace.args[2].size, 4);
}

fn cross_check(co: &[u8], path: &std::path::Path) {
    let info = inspect(co, Format::Hsaco).unwrap();
    let s::Notes {
        kernels, target, ..
    } = s::readelf_notes(path);
    assert_eq!(
        target,
        format!("amdgcn-amd-amdhsa--{}", info.target.as_ref().unwrap())
    );
    assert_eq!(kernels.len(), info.kernels.len());
    for rk in &kernels {
        let name = s::field(&rk.fields, ".name").unwrap();
        let k = info
            .kernel(name)
            .unwrap_or_else(|| panic!("{name} not inspected"));
        let num = |key| s::field(&rk.fields, key).map(|v| v.parse::<u32>().unwrap());
        assert_eq!(
            k.max_flat_workgroup_size,
            num(".max_flat_workgroup_size"),
            "{name}"
        );
        assert_eq!(k.wavefront_size, num(".wavefront_size"), "{name}");
        assert_eq!(
            k.group_segment_fixed_size,
            num(".group_segment_fixed_size"),
            "{name}"
        );
        assert_eq!(
            k.private_segment_fixed_size,
            num(".private_segment_fixed_size"),
            "{name}"
        );
        assert_eq!(
            k.kernarg_segment_size,
            num(".kernarg_segment_size"),
            "{name}"
        );
        let explicit: Vec<_> = rk
            .args
            .iter()
            .filter(|a| !s::field(a, ".value_kind").unwrap().starts_with("hidden_"))
            .collect();
        assert_eq!(explicit.len(), k.args.len(), "{name}");
        for (ra, a) in explicit.iter().zip(&k.args) {
            assert_eq!(
                Some(a.size),
                s::field(ra, ".size").map(|v| v.parse().unwrap())
            );
            assert_eq!(
                a.offset,
                s::field(ra, ".offset").map(|v| v.parse().unwrap())
            );
            let kind = match &a.kind {
                ArgKind::GlobalBuffer { access } => {
                    let want = access.map(|a| match a {
                        Access::ReadOnly => "read_only",
                        Access::WriteOnly => "write_only",
                        Access::ReadWrite => "read_write",
                    });
                    assert_eq!(want, s::field(ra, ".actual_access"), "{name}");
                    "global_buffer"
                }
                ArgKind::ByValue => "by_value",
                ArgKind::Other(k) => k.as_str(),
                ArgKind::Unknown => panic!("AMD args always have a kind"),
            };
            assert_eq!(Some(kind), s::field(ra, ".value_kind"), "{name}");
        }
    }
}

#[test]
fn metadata_agrees_with_llvm_readelf() {
    let dir = tempfile::tempdir().unwrap();
    let co = s::amd_object(dir.path(), &s::seed_kernels(), &["gfx90a"], false, &[]);
    let path = dir.path().join("seed.co");
    std::fs::write(&path, &co).unwrap();
    cross_check(&co, &path);

    let src = s::standalone_source(dir.path());
    for arch in ["gfx1100", "gfx942:sramecc+:xnack-"] {
        let co = s::amd_object(dir.path(), &src, &[arch], true, &[]);
        let path = dir.path().join("x.co");
        std::fs::write(&path, &co).unwrap();
        cross_check(&co, &path);
    }
}

#[test]
fn target_ids_from_e_flags_for_every_chip_and_feature() {
    let dir = tempfile::tempdir().unwrap();
    let src = s::standalone_source(dir.path());
    for arch in [
        "gfx90a",
        "gfx90a:xnack-",
        "gfx90a:sramecc+:xnack+",
        "gfx942",
        "gfx942:sramecc-",
        "gfx1100",
        "gfx1201",
    ] {
        let co = s::amd_object(dir.path(), &src, &[arch], true, &[]);
        let info = inspect(&co, Format::Hsaco).unwrap();
        assert_eq!(info.target, Some(t(arch)), "{arch}");
        let wave = if arch.starts_with("gfx9") { 64 } else { 32 };
        let scale = info.kernel("scale").unwrap();
        assert_eq!(scale.wavefront_size, Some(wave), "{arch}");
        assert_eq!(scale.max_flat_workgroup_size, Some(256), "{arch}");
        assert_eq!(
            scale.args.iter().map(|a| &a.kind).collect::<Vec<_>>(),
            [
                &ArgKind::GlobalBuffer {
                    access: Some(Access::WriteOnly)
                },
                &ArgKind::GlobalBuffer {
                    access: Some(Access::ReadOnly)
                },
                &ArgKind::ByValue,
                &ArgKind::ByValue,
            ]
        );
        assert_eq!(
            info.kernel("lds").unwrap().group_segment_fixed_size,
            Some(256),
            "{arch}"
        );
        check_target(&info, &t(arch)).unwrap();
    }
}

#[test]
fn wrong_arch_is_rejected_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let src = s::standalone_source(dir.path());
    let co = s::amd_object(dir.path(), &src, &["gfx1100"], true, &[]);
    let info = inspect(&co, Format::Hsaco).unwrap();
    let err = check_target(&info, &t("gfx90a")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "object is gfx1100 but was given for gfx90a"
    );

    // Features: `Any` code serves a pinned request, never the reverse.
    let any = inspect(
        &s::amd_object(dir.path(), &src, &["gfx90a"], true, &[]),
        Format::Hsaco,
    )
    .unwrap();
    check_target(&any, &t("gfx90a:xnack-")).unwrap();
    let on = inspect(
        &s::amd_object(dir.path(), &src, &["gfx90a:xnack+"], true, &[]),
        Format::Hsaco,
    )
    .unwrap();
    let err = check_target(&on, &t("gfx90a")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "object is gfx90a:xnack+ but was given for gfx90a"
    );
    assert!(check_target(&on, &t("gfx90a:xnack-")).is_err());
    assert!(check_target(&on, &t("sm_90")).is_err());
}

#[test]
fn hsaco_read_as_another_format_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let src = s::standalone_source(dir.path());
    let co = s::amd_object(dir.path(), &src, &["gfx90a"], true, &[]);
    for format in [Format::Cubin, Format::Host, Format::Ptx] {
        match inspect(&co, format) {
            Err(InspectError::WrongFormat { found, .. }) => {
                assert!(found.contains("AMD"), "{found}")
            }
            other => panic!("{format}: {other:?}"),
        }
    }
    assert_eq!(
        iree_build::code_object::sniff_format(&co),
        Some(Format::Hsaco)
    );
}

#[test]
fn stripped_code_object_keeps_its_kernels() {
    let dir = tempfile::tempdir().unwrap();
    let co = s::amd_object(dir.path(), &s::seed_kernels(), &["gfx90a"], false, &[]);
    let path = dir.path().join("seed.co");
    let stripped = dir.path().join("seed.stripped.co");
    std::fs::write(&path, &co).unwrap();
    s::run(
        Command::new("llvm-strip-19")
            .arg(&path)
            .arg("-o")
            .arg(&stripped),
    );
    let stripped = std::fs::read(&stripped).unwrap();
    assert!(stripped.len() < co.len());
    let (full, stripped) = (
        inspect(&co, Format::Hsaco).unwrap(),
        inspect(&stripped, Format::Hsaco).unwrap(),
    );
    assert_eq!(full, stripped);
}

#[test]
fn code_object_versions_4_5_6() {
    let dir = tempfile::tempdir().unwrap();
    let src = s::standalone_source(dir.path());
    for v in ["4", "5", "6"] {
        let flag = format!("-mcode-object-version={v}");
        let co = s::amd_object(dir.path(), &src, &["gfx942:xnack-"], true, &[flag.as_str()]);
        let info = inspect(&co, Format::Hsaco).unwrap();
        assert_eq!(info.target, Some(t("gfx942:xnack-")), "v{v}");
        assert_eq!(info.kernel("scale").unwrap().args.len(), 4, "v{v}");
    }
}
