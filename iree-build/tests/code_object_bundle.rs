//! Clang offload bundles as clang-19 writes them (plain and `--offload-compress`).

mod support;

use iree_build::code_object::{bundle_entries, inspect, is_offload_bundle, unbundle, InspectError};
use iree_build::target::{Format, TargetId};
use support::code_object as s;

fn t(s: &str) -> TargetId {
    s.parse().unwrap()
}

#[test]
fn unbundles_what_clang_bundles() {
    let dir = tempfile::tempdir().unwrap();
    let src = s::standalone_source(dir.path());
    for compress in [false, true] {
        let extra: &[&str] = if compress {
            &["--offload-compress"]
        } else {
            &[]
        };
        let bundle = s::amd_object(dir.path(), &src, &["gfx90a", "gfx1100"], true, extra);
        assert!(is_offload_bundle(&bundle));
        assert_eq!(
            bundle.starts_with(b"CCOB"),
            compress,
            "clang-19 writes CCOB when asked"
        );
        assert_eq!(iree_build::code_object::sniff_format(&bundle), None);
        assert!(matches!(
            inspect(&bundle, Format::Hsaco),
            Err(InspectError::WrongFormat { .. })
        ));

        let ids: Vec<String> = bundle_entries(&bundle)
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect();
        assert!(
            ids.contains(&"hipv4-amdgcn-amd-amdhsa--gfx90a".to_string()),
            "{ids:?}"
        );
        assert!(
            ids.contains(&"hipv4-amdgcn-amd-amdhsa--gfx1100".to_string()),
            "{ids:?}"
        );

        for arch in ["gfx90a", "gfx1100"] {
            let co = unbundle(&bundle, &t(arch)).unwrap();
            let info = inspect(&co, Format::Hsaco).unwrap();
            assert_eq!(info.target, Some(t(arch)));
            assert!(info.kernel("scale").is_some());
        }
        // `gfx90a` (any xnack) code serves a request that pins xnack.
        let co = unbundle(&bundle, &t("gfx90a:xnack-")).unwrap();
        assert_eq!(
            inspect(&co, Format::Hsaco).unwrap().target,
            Some(t("gfx90a"))
        );

        let err = unbundle(&bundle, &t("gfx942")).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("offload bundle has no entry for gfx942; it holds: "),
            "{msg}"
        );
        assert!(msg.contains("hipv4-amdgcn-amd-amdhsa--gfx90a"), "{msg}");
        assert!(msg.contains("hipv4-amdgcn-amd-amdhsa--gfx1100"), "{msg}");
    }
}

#[test]
fn single_arch_bundle_with_features() {
    let dir = tempfile::tempdir().unwrap();
    let src = s::standalone_source(dir.path());
    let bundle = s::amd_object(
        dir.path(),
        &src,
        &["gfx90a:xnack+"],
        true,
        &["--gpu-bundle-output"],
    );
    assert!(is_offload_bundle(&bundle));
    let co = unbundle(&bundle, &t("gfx90a:xnack+")).unwrap();
    assert_eq!(
        inspect(&co, Format::Hsaco).unwrap().target,
        Some(t("gfx90a:xnack+"))
    );
    // xnack+ code is never handed out for a target that does not pin it.
    assert!(matches!(
        unbundle(&bundle, &t("gfx90a")),
        Err(InspectError::NotInBundle { .. })
    ));
}
