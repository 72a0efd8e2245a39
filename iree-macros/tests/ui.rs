//! `#[extern_dispatch]` diagnostics (`tests/ui`, `tests/ui-no-manifest`) and
//! expansions that must compile, link and run (`tests/pass`), against
//! fixture manifests (see `tests/fixtures/README.md`).

use std::path::{Path, PathBuf};

/// Writes the fixture manifest with this machine's absolute paths and
/// returns its directory.
fn fixture_manifest_dir() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tests = crate_dir.join("tests");
    let fixtures = tests.join("fixtures");
    let template = std::fs::read_to_string(fixtures.join("manifest.json.in")).unwrap();
    let json_path = |p: &Path| {
        let s = serde_json::to_string(&p.to_string_lossy()).unwrap();
        s[1..s.len() - 1].to_string()
    };
    let manifest = template
        .replace("@TESTS@", &json_path(&tests))
        .replace("@FIXTURES@", &json_path(&fixtures));
    // Fail here, not in every ui test, when the template is broken.
    let _: iree_build::manifest::Manifest = serde_json::from_str(&manifest).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("iree-macros-ui");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(iree_build::manifest::MANIFEST_FILE);
    // Rewrite only when changed: the expansion depends on this file.
    if std::fs::read_to_string(&path).ok().as_deref() != Some(manifest.as_str()) {
        std::fs::write(&path, manifest).unwrap();
    }
    dir
}

#[test]
fn ui() {
    // trybuild runs on drop, inheriting this process's environment: one
    // `TestCases` per environment, in sequence.
    std::env::remove_var("IREE_MANIFEST_DIR");
    std::env::remove_var("OUT_DIR");
    {
        let t = trybuild::TestCases::new();
        t.compile_fail("tests/ui-no-manifest/*.rs");
    }
    // A build script that did not write a manifest.
    let empty = Path::new(env!("CARGO_TARGET_TMPDIR")).join("iree-macros-empty-out-dir");
    std::fs::create_dir_all(&empty).unwrap();
    std::env::set_var("OUT_DIR", &empty);
    {
        let t = trybuild::TestCases::new();
        t.compile_fail("tests/ui-empty-out-dir/*.rs");
    }
    std::env::remove_var("OUT_DIR");
    std::env::set_var("IREE_MANIFEST_DIR", fixture_manifest_dir());
    {
        let t = trybuild::TestCases::new();
        t.compile_fail("tests/ui/*.rs");
        t.pass("tests/pass/*.rs");
    }
}
