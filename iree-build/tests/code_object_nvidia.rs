//! PTX from real clang-19 (CUDA mode), and cubins from `ptxas` when it is
//! found by toolchain discovery (`cargo xtask provision` installs one).

mod support;

use iree_build::code_object::{check_target, inspect, ArgKind, InspectError, ObjectInfo};
use iree_build::target::{Format, TargetId};
use support::code_object as s;

fn t(s: &str) -> TargetId {
    s.parse().unwrap()
}

fn layout(info: &ObjectInfo, kernel: &str) -> Vec<(u32, Option<u32>)> {
    info.kernel(kernel)
        .unwrap_or_else(|| panic!("no kernel {kernel}"))
        .args
        .iter()
        .map(|a| (a.size, a.offset))
        .collect()
}

#[test]
fn seed_kernels_ptx() {
    let dir = tempfile::tempdir().unwrap();
    for sm in [80, 90] {
        let ptx = s::ptx(dir.path(), &s::seed_kernels(), sm);
        let info = inspect(&ptx, Format::Ptx).unwrap();
        assert_eq!(info.format, Format::Ptx);
        assert_eq!(info.target, Some(TargetId::Nvidia { sm }));
        assert!(info.ptx_version.as_deref().unwrap().contains('.'));
        let names: Vec<_> = info.kernels.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(names, ["simple_mul", "simple_mul_inplace"]);
        assert_eq!(
            layout(&info, "simple_mul"),
            [(8, Some(0)), (8, Some(8)), (8, Some(16)), (4, Some(24))]
        );
        assert_eq!(
            layout(&info, "simple_mul_inplace"),
            [(8, Some(0)), (8, Some(8)), (4, Some(16))]
        );
        let mul = info.kernel("simple_mul").unwrap();
        assert_eq!(mul.kernarg_segment_size, Some(28));
        assert!(mul.args.iter().all(|a| a.kind == ArgKind::Unknown));
        assert_eq!(mul.maxntid, None);
        assert_eq!(mul.reqntid, None);
    }
}

#[test]
fn ptx_params_and_launch_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("extra.cu");
    std::fs::write(&src, s::NV_EXTRA).unwrap();
    let ptx = s::ptx(dir.path(), &src, 80);
    let info = inspect(&ptx, Format::Ptx).unwrap();
    // float*, struct {float[3]; double} (24 bytes, align 8), char, short, double
    assert_eq!(
        layout(&info, "lb"),
        [
            (8, Some(0)),
            (24, Some(8)),
            (1, Some(32)),
            (2, Some(34)),
            (8, Some(40))
        ]
    );
    assert_eq!(info.kernel("lb").unwrap().maxntid, Some([128, 1, 1]));
    assert_eq!(info.kernel("shm").unwrap().maxntid, None);
}

#[test]
fn ptx_target_check() {
    let dir = tempfile::tempdir().unwrap();
    let info = inspect(&s::ptx(dir.path(), &s::seed_kernels(), 90), Format::Ptx).unwrap();
    check_target(&info, &t("sm_90")).unwrap();
    check_target(&info, &t("sm_120")).unwrap(); // the driver compiles PTX forward
    let err = check_target(&info, &t("sm_80")).unwrap_err();
    assert_eq!(err.to_string(), "object is sm_90 but was given for sm_80");
    assert!(check_target(&info, &t("gfx90a")).is_err());
    assert_eq!(
        iree_build::code_object::sniff_format(&s::ptx(dir.path(), &s::seed_kernels(), 80)),
        Some(Format::Ptx)
    );
}

#[test]
fn cubin_from_ptxas_matches_its_ptx() {
    let Some(ptxas) = s::find_ptxas() else {
        eprintln!(
            "skipping cubin test: discovery finds no ptxas (`cargo xtask provision` installs one)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("extra.cu");
    std::fs::write(&src, s::NV_EXTRA).unwrap();
    for sm in [80, 90] {
        for (name, source) in [("seed", s::seed_kernels()), ("extra", src.clone())] {
            let ptx = s::ptx(dir.path(), &source, sm);
            let cubin = s::cubin(dir.path(), &ptxas, &ptx, sm, &format!("{name}{sm}"));
            let from_ptx = inspect(&ptx, Format::Ptx).unwrap();
            let info = inspect(&cubin, Format::Cubin).unwrap();
            assert_eq!(info.format, Format::Cubin);
            assert_eq!(info.target, Some(TargetId::Nvidia { sm }));
            check_target(&info, &t(&format!("sm_{sm}"))).unwrap();
            let other = if sm == 80 { "sm_90" } else { "sm_80" };
            assert_eq!(
                check_target(&info, &t(other)).unwrap_err().to_string(),
                format!("object is sm_{sm} but was given for {other}")
            );
            let mut names: Vec<_> = info.kernels.iter().map(|k| k.name.clone()).collect();
            names.sort();
            let mut want: Vec<_> = from_ptx.kernels.iter().map(|k| k.name.clone()).collect();
            want.sort();
            assert_eq!(names, want, "{name} sm_{sm}");
            for k in &from_ptx.kernels {
                let c = info.kernel(&k.name).unwrap();
                assert_eq!(
                    layout(&info, &k.name),
                    layout(&from_ptx, &k.name),
                    "{}",
                    k.name
                );
                assert_eq!(c.kernarg_segment_size, k.kernarg_segment_size, "{}", k.name);
                assert_eq!(c.maxntid, k.maxntid, "{}", k.name);
            }
            if name == "extra" {
                // sm_90 cubins lay static shared memory out after 1 KiB that
                // ptxas reserves (`.nv.shared.reserved.0`): the section, and so
                // what a block occupies, is 2 KiB there.
                let shared = if sm >= 90 { 2048 } else { 1024 };
                assert_eq!(
                    info.kernel("shm").unwrap().group_segment_fixed_size,
                    Some(shared)
                );
                assert_eq!(info.kernel("lb").unwrap().group_segment_fixed_size, Some(0));
            }
            assert_eq!(
                iree_build::code_object::sniff_format(&cubin),
                Some(Format::Cubin)
            );
            assert!(matches!(
                inspect(&cubin, Format::Hsaco),
                Err(InspectError::WrongFormat { .. })
            ));
            assert!(matches!(
                inspect(&cubin, Format::Ptx),
                Err(InspectError::WrongFormat { .. })
            ));
        }
    }
}
